from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.http import Http404

from jiceng.accounts import access
from jiceng.management.acting_user import acting_user, add_user_argument
from jiceng.management.domain_command import DomainCommand
from jiceng.summaries import actions
from jiceng.summaries.render import render_summary


class Command(DomainCommand):
    help = "Write the work summary of a unit for a period (2026, 2026H1, 2026Q3) to a .docx (or .pdf)."

    def add_arguments(self, parser):
        add_user_argument(parser)
        parser.add_argument("--unit", required=True)
        parser.add_argument("--period", required=True)
        parser.add_argument("--out", required=True, help="FILE.docx or FILE.pdf")
        parser.add_argument("--working", action="store_true", help="working figures (default: official)")

    def handle(self, *args, **options):
        user = acting_user(options)
        out = Path(options["out"])
        fmt = "pdf" if out.suffix.lower() == ".pdf" else "docx"
        try:
            unit = access.unit_in_scope_or_404(user, options["unit"])
            summary = actions.create_summary(unit, options["period"], official=not options["working"], acting_user=user)
        except Http404:
            raise CommandError(
                f"未找到该单位：{options['unit']}（不存在或不在 {user.username} 的管辖范围内）"
            ) from None
        except access.AccessDenied as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        result = render_summary(summary, acting_user=user, fmt=fmt)
        if result is None:
            raise CommandError("本机未安装 LibreOffice，无法生成 PDF（sudo apt-get install libreoffice-writer）")
        out.write_bytes(result.content)
        self.stdout.write(f"已生成：{out}（{summary.title}，{len(result.content):,} 字节）")
