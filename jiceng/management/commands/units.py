"""jiceng units --user NAME [--json] [--level LEVEL]     the units NAME may see
jiceng units import FILE --user NAME                    import the hierarchy from .xlsx or .csv (all or nothing)
jiceng units template --out FILE --user NAME            the import template (.xlsx)

An import prints a Chinese summary (新建 N 个，更新 M 个) and exits 0; on any error it prints every
error (row, column, message) and exits 1, having saved nothing.
"""

import argparse
import json
import os

from django.core.management.base import BaseCommand, CommandError

from jiceng.accounts import access
from jiceng.management.acting_user import acting_user, add_user_argument


def add_subcommand_user_argument(parser) -> None:
    # SUPPRESS: `jiceng units --user a import F` keeps the --user given before the subcommand.
    parser.add_argument("--user", default=argparse.SUPPRESS, help="act as this user (default: $JICENG_USER)")


def read_file(path: str, max_bytes: int) -> bytes:
    """The file's bytes (at most max_bytes + 1, so that the importer reports a file over the cap)."""
    if not os.path.isfile(path):
        raise CommandError(f"找不到文件 {path}")
    with open(path, "rb") as handle:
        return handle.read(max_bytes + 1)


def run_import(command: BaseCommand, run, user, path: str, max_bytes: int):
    try:
        result = run(user, read_file(path, max_bytes), filename=os.path.basename(path))
    except access.AccessDenied as exc:
        raise CommandError(str(exc)) from None
    if not result.ok:
        for error in result.errors:
            command.stderr.write(str(error))
        raise CommandError(result.summary())
    command.stdout.write(result.summary())
    return result


class Command(BaseCommand):
    help = "List the org units the user may see (code, name, level, parent code); import the hierarchy."

    def add_arguments(self, parser):
        add_user_argument(parser)
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--level", help="only this level (province/city/county/township/village)")
        sub = parser.add_subparsers(dest="verb", required=False)
        imp = sub.add_parser("import", help="import units from .xlsx or .csv (统计用区划代码 layout)")
        imp.add_argument("file", help="the .xlsx or .csv file")
        add_subcommand_user_argument(imp)
        template = sub.add_parser("template", help="write the import template (.xlsx)")
        template.add_argument("--out", required=True, help="where to write the .xlsx")
        add_subcommand_user_argument(template)

    def handle(self, *args, **options):
        user = acting_user(options)
        verb = options.get("verb")
        if verb == "import":
            from jiceng.orgunits import importing

            result = run_import(self, importing.import_units, user, options["file"], importing.MAX_BYTES)
            for code in result.created:
                self.stdout.write(f"  新建 {code}")
            for code in result.updated:
                self.stdout.write(f"  更新 {code}")
            return
        if verb == "template":
            from jiceng.orgunits import importing

            if not access.can(user, "units.manage"):
                raise CommandError("只有系统管理员可以导入组织机构")
            data = importing.render_template(user).content
            with open(options["out"], "wb") as handle:
                handle.write(data)
            self.stdout.write(f"已写入模板 {options['out']}")
            return
        units = access.visible_units(user).select_related("parent").order_by("path")
        if options.get("level"):
            units = units.filter(level=options["level"])
        rows = [
            {
                "code": u.code,
                "name": u.name,
                "level": u.level,
                "kind": u.kind,
                "parent_code": u.parent.code if u.parent_id else None,
                "altitude_m": u.altitude_m,
            }
            for u in units
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
        else:
            for r in rows:
                self.stdout.write(f"{r['code']:<12}  {r['level']:<9}  {r['name']}")
