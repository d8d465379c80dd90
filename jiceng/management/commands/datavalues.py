"""jiceng datavalues export --dataset MCH_MONTHLY --period 2026Q1 --under CODE --user NAME [--format adx] [--working] --out FILE
jiceng datavalues import FILE --user NAME [--dataset CODE] [--format json|adx]

Data values out and in as DHIS2 ``dataValueSets`` JSON or ADX XML (:mod:`jiceng.reporting.exchange`), as
the named user and within that user's subtree. ``export`` writes every unit under ``--under`` (default: the
user's scope) that reports the data set; a quarter on a monthly form exports its three months; official
figures unless ``--working``. ``import`` saves every value or none and exits 1 with Chinese messages, one
per bad value. The format of an import is taken from the file's name (``.xml`` / ``.adx``: ADX) unless
``--format`` says it.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError
from django.http import Http404

from jiceng.accounts import access
from jiceng.management.acting_user import acting_user, add_user_argument
from jiceng.management.domain_command import DomainCommand
from jiceng.reporting import actions, exchange


class Command(DomainCommand):
    help = "DHIS2 data exchange: export data values as dataValueSets JSON or ADX, or import them (all or nothing)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        out = sub.add_parser("export", help="write data values as DHIS2 dataValueSets JSON or ADX")
        out.add_argument("--dataset", required=True, help="form code, e.g. MCH_MONTHLY, PH_QUARTERLY")
        out.add_argument("--period", required=True, help="month 2026-03, quarter 2026Q1 or year 2026")
        out.add_argument("--under", help="unit code (default: the user's scope)")
        out.add_argument("--format", choices=exchange.FORMATS, default="json", help="json (default) or adx")
        out.add_argument("--working", action="store_true", help="working figures (default: official, approved)")
        out.add_argument("--out", required=True, help="the file to write")
        into = sub.add_parser("import", help="read a dataValueSets JSON or ADX file; every value or none")
        into.add_argument("file", help="the .json or .xml (ADX) file")
        into.add_argument("--format", choices=exchange.FORMATS, help="json or adx (default: from the file name)")
        into.add_argument("--dataset", help="form code for values that do not name their dataSet")
        for p in (out, into):
            add_user_argument(p)

    def handle(self, *args, **options):
        user = acting_user(options)
        if options["verb"] == "export":
            self._export(user, options)
        else:
            self._import(user, options)

    def _export(self, user, options) -> None:
        ds = actions.check_dataset(options["dataset"])
        if options.get("under"):
            try:
                root = access.unit_in_scope_or_404(user, options["under"])
            except Http404:
                raise CommandError(f"未找到该单位 {options['under']}（不存在或不在您的管辖范围内）") from None
        else:
            root = access.scope_root(user)
        path = Path(options["out"])
        if not path.parent.exists():
            raise CommandError(f"--out：目录 {path.parent} 不存在")
        if path.is_dir():
            raise CommandError(f"--out：{path} 是目录，请写文件名")
        result = exchange.export(
            user, ds, root, [options["period"]], official=not options["working"], fmt=options["format"]
        )
        path.write_bytes(result.content)
        figures = "工作数据" if options["working"] else "正式数据"
        self.stdout.write(
            f"已导出 {root.display_name} {ds.name}（{'、'.join(result.periods)}，{figures}）："
            f"{result.units} 个单位 {result.rows} 个数值 → {path}"
        )

    def _import(self, user, options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件 {path} 不存在")
        if path.stat().st_size > exchange.MAX_BYTES:
            raise CommandError(f"文件过大（超过 {exchange.MAX_BYTES // 1024 // 1024} MB）：请分批导入")
        fmt = options.get("format") or ("adx" if path.suffix.lower() in (".xml", ".adx") else "json")
        result = exchange.import_values(user, path.read_bytes(), fmt, dataset=options.get("dataset"))
        if not result.ok:
            for message in result.all_errors():
                self.stderr.write(message)
            raise CommandError(result.summary())
        self.stdout.write(result.summary())
