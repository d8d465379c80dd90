"""jiceng report datasets [--json]
jiceng report show   --dataset MCH_MONTHLY --unit CODE --period 2026-03 --user NAME [--json]
jiceng report export --dataset PH_QUARTERLY --unit CODE --period 2026Q1 --user NAME --out FILE.xlsx
jiceng report status --dataset NUT_MONTHLY --period 2026-03 --user NAME [--under CODE] [--json]

A report as the user sees it on its page: state, who submitted and reviewed it and when, every value
with its code and name, validation results. ``--dataset`` names the form (``jiceng report datasets``
lists them); without it, the first form the unit fills. A unit outside the user's subtree is "not
found", exactly like a 404. ``show --json`` prints the same dict as
``GET /api/reports/<dataset>/<code>/<period>/``.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from django.core.management.base import CommandError
from django.http import Http404

from jiceng.accounts import access
from jiceng.management.acting_user import acting_user, add_user_argument
from jiceng.management.domain_command import DomainCommand
from jiceng.reporting import actions, queries
from jiceng.reporting.export import render_report_xlsx
from jiceng.reporting.packs import all_datasets, datasets_reported_by
from jiceng.reporting.serialize import find_report, report_dict, statuses_dict

SEVERITY = {"error": "错误", "warning": "警告"}


class Command(DomainCommand):
    help = "Monthly reports: show one (state, values, validation), export it to Excel, or list statuses."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        listing = sub.add_parser("datasets", help="the forms (data sets) of every programme pack")
        listing.add_argument("--json", action="store_true", help="print JSON")
        show = sub.add_parser("show", help="one report: state, reviewer, values, validation results")
        show.add_argument("--unit", required=True, help="unit code")
        show.add_argument("--period", required=True, help="month, e.g. 2026-03")
        show.add_argument("--json", action="store_true", help="print JSON")
        export = sub.add_parser("export", help="write the report as an Excel file in the paper form's layout")
        export.add_argument("--unit", required=True, help="unit code")
        export.add_argument("--period", required=True, help="month, e.g. 2026-03")
        export.add_argument("--out", required=True, help="the .xlsx file to write (or a directory)")
        status = sub.add_parser("status", help="every unit's report state, timeliness and completeness")
        status.add_argument("--period", help="month (default: the month being reported now)")
        status.add_argument("--under", help="unit code (default: the user's scope)")
        status.add_argument("--json", action="store_true", help="print JSON")
        for p in (show, export, status):
            add_user_argument(p)
            p.add_argument("--dataset", help="form code, e.g. NUT_MONTHLY, MCH_MONTHLY, PH_QUARTERLY")

    def handle(self, *args, **options):
        verb = options["verb"]
        if verb == "datasets":
            return self._datasets(options)
        user = acting_user(options)
        if verb == "status":
            return self._status(user, options)
        try:
            unit = access.unit_in_scope_or_404(user, options["unit"])
            code = options.get("dataset") or next((d.code for d in datasets_reported_by(unit)), "")
            report = find_report(user, options["unit"], options["period"], code)
        except Http404:
            raise CommandError(f"未找到该单位 {options['unit']}（不存在或不在您的管辖范围内）") from None
        if verb == "show":
            data = report_dict(report)
            if options["json"]:
                self.stdout.write(json.dumps(data, ensure_ascii=False, indent=1))
            else:
                self._text(data)
        else:
            self._export(user, report, options["out"])

    def _export(self, user, report, out: str) -> None:
        rendered = render_report_xlsx(report, acting_user=user)
        content = rendered.content
        path = Path(out)
        if path.is_dir():
            path = path / rendered.filename
        if path.suffix.lower() != ".xlsx":
            raise CommandError(f"--out：文件名应以 .xlsx 结尾（收到 {out}）")
        if not path.parent.exists():
            raise CommandError(f"--out：目录 {path.parent} 不存在")
        path.write_bytes(content)
        self.stdout.write(f"已导出 {report.unit.display_name} {report.period} 报表：{path}（{len(content)} 字节）")

    def _datasets(self, options) -> None:
        rows = [
            {
                "code": d.code,
                "name": d.name,
                "programme": d.programme,
                "period_type": d.period_type,
                "levels": list(d.levels),
            }
            for d in all_datasets().values()
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        for row in rows:
            self.stdout.write(
                f"{row['code']:<14} {_pad(row['name'], 32)} {row['period_type']:<10} {'、'.join(row['levels'])}"
            )

    def _status(self, user, options) -> None:
        if options.get("under"):
            try:
                root = access.unit_in_scope_or_404(user, options["under"])
            except Http404:
                raise CommandError(f"未找到该单位 {options['under']}（不存在或不在您的管辖范围内）") from None
        else:
            root = access.scope_root(user)
        ds = actions.check_dataset(
            options.get("dataset")
            or next(
                (
                    d.code
                    for d in all_datasets().values()
                    if d.is_reported_by(root) or queries.reporting_units(root, d.reporting_level, d)
                ),
                "",
            )
        )
        period = actions.check_period(options.get("period") or queries.reporting_period(ds).code, ds)
        data = statuses_dict(ds, root, period)
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=1))
            return
        self.stdout.write(f"{data['period_label']} {data['dataset_name']} · {root.display_name}")
        for level in data["levels"]:
            rate = lambda v: "—" if v is None else f"{v:.2f}%"  # noqa: E731
            self.stdout.write(
                f"  {level['level_label']}：应报 {level['due']}，已报 {level['submitted']}（按时 {level['on_time']}），"
                f"已审核 {level['approved']}，缺报 {level['missing']}；"
                f"及时率 {rate(level['timeliness'])}，完整率 {rate(level['completeness'])}"
            )
        for unit in data["units"]:
            late = "  迟报" if unit["on_time"] is False else ("  逾期未报" if unit["overdue"] else "")
            self.stdout.write(f"    {unit['code']:<12} {_pad(unit['name'], 28)} {unit['state_label']}{late}")

    def _text(self, d: dict) -> None:
        out = self.stdout.write
        out(f"{d['dataset_name']} · {d['unit']['display_name']}（{d['unit']['code']}） · {d['period_label']}")
        out(f"状态：{d['state_label']} — {d['state_text']}")
        if d["deadline"]:
            timing = {True: "（按时）", False: "（迟报）", None: ""}[d["on_time"]]
            out(f"截止：{d['deadline']}  首次提交：{d['first_submitted_at'] or '—'}{timing}")
        out(f"填报人：{_who(d['submitted_by'])}  提交时间：{d['submitted_at'] or '—'}")
        out(f"审核人：{_who(d['reviewed_by'])}  审核时间：{d['reviewed_at'] or '—'}")
        if d["returned_at"]:
            out(f"退回：{_who(d['returned_by'])} 于 {d['returned_at']}，原因：{d['return_reason']}")
        if d["missing"]:
            out(f"缺报：{d['missing_reason']}")
        out("数值：")
        for v in d["values"]:
            value = "—" if v["value"] is None else v["value"]
            line = f"  {v['code']:<5} {_pad(v['name'], 24)} {value:>10}"
            if v["overridden"]:
                line += f"  （修正：{v['computed_from']} {v['computed']}，差 {v['difference']}，原因：{v['reason']}）"
            out(line)
            for c in v["comments"]:
                out(f"        意见（{_who(c['author'])} {c['at']}）：{c['text']}")
        out("校验：")
        if not d["validation"]:
            out("  校验通过")
        notes = {n["rule"]: n["text"] for n in d["warning_notes"]}
        for v in d["validation"]:
            note = f"  说明：{notes[v['rule']]}" if v["rule"] in notes else ""
            out(f"  [{SEVERITY.get(v['severity'], v['severity'])}] {v['message']}{note}")


def _pad(text: str, width: int) -> str:
    """Pad to a display width: Chinese characters take two columns in a terminal."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - shown)


def _who(user: dict | None) -> str:
    return user["name"] if user else "—"
