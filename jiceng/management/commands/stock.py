"""jiceng stock show --unit CODE --user NAME [--json] [--as-of YYYY-MM-DD]
jiceng stock overview [--under CODE] --user NAME [--json] [--alerts]
jiceng stock reconcile --from YYYY-MM-DD --to YYYY-MM-DD --user NAME [--json]

Balances by batch, months of stock and alerts, as the user sees them on the pages: a unit outside
the user's subtree is "not found", exactly like a 404.
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import CommandError
from django.http import Http404

from jiceng.accounts import access
from jiceng.management.acting_user import acting_user, add_user_argument
from jiceng.management.domain_command import DomainCommand
from jiceng.orgunits.models import Kind
from jiceng.stock import queries


def _date(value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{name}：请写作 2026-03-08 这样的日期（收到“{value}”）") from None


class Command(DomainCommand):
    help = "Stock ledger: balances by batch, months of stock and alerts (scoped to --user)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        show = sub.add_parser("show", help="one unit: balances by batch, months of stock, alerts")
        show.add_argument("--unit", required=True, help="unit code")
        overview = sub.add_parser("overview", help="every stock unit under a unit")
        overview.add_argument("--under", help="unit code (default: the user's scope)")
        overview.add_argument("--alerts", action="store_true", help="only units with alerts")
        reconcile = sub.add_parser("reconcile", help="issues on the ledger vs packs on collections")
        reconcile.add_argument("--from", dest="first", required=True)
        reconcile.add_argument("--to", dest="last", required=True)
        for p in (show, overview, reconcile):
            add_user_argument(p)
            p.add_argument("--json", action="store_true", help="print JSON")
            p.add_argument("--as-of", dest="as_of", help="date of the figures (default: today)")

    def handle(self, *args, **options):
        user = acting_user(options)
        if not access.can(user, "stock.view"):
            raise CommandError(f"用户 {user.username} 的角色不能查看库存")
        as_of = _date(options.get("as_of"), "--as-of")
        verb = options["verb"]
        if verb == "show":
            unit = self._unit(user, options["unit"])
            if not queries.keeps_stock(unit):
                raise CommandError(f"单位 {unit.code} {unit.display_name} 没有出入库登记")
            self._emit(options, queries.unit_stock(unit, as_of).as_dict(), self._text_stock)
        elif verb == "overview":
            root = self._unit(user, options["under"]) if options.get("under") else access.scope_root(user)
            rows = [s.as_dict() for s in queries.stock_overview(list(queries.stock_units_under(root)), as_of)]
            if options["alerts"]:
                rows = [r for r in rows if r["alerts"]]
            self._emit(options, rows, lambda rows: [self._text_stock(r) for r in rows])
        else:
            first, last = _date(options["first"], "--from"), _date(options["last"], "--to")
            villages = list(access.visible_units(user).filter(kind=Kind.VILLAGE_CLINIC).order_by("path"))
            rows = [
                {
                    "unit": r.unit.code,
                    "name": r.unit.display_name,
                    "on_ledger_since": r.on_ledger_since.isoformat() if r.on_ledger_since else None,
                    "collection_packs": r.collection_packs,
                    "ledger_issued": r.ledger_issued,
                    "difference": r.difference,
                    "before_ledger_packs": r.before_ledger_packs,
                    "matches": r.matches,
                }
                for r in queries.reconciliation(villages, first, last)
            ]
            self._emit(options, rows, self._text_reconcile)

    def _unit(self, user, code: str):
        try:
            return access.unit_in_scope_or_404(user, code)
        except Http404:
            raise CommandError(f"未找到单位 {code}（不存在或不在您的管辖范围内）") from None

    def _emit(self, options, data, text):
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=1))
        else:
            text(data)

    def _text_stock(self, s: dict) -> None:
        months = s["months_of_stock"] if s["months_of_stock"] is not None else "—"
        self.stdout.write(f"{s['unit']:<12} {s['name']}  可用结余 {s['balance']} 包  可用月数 {months}")
        for b in s["batches"]:
            flag = "已过期" if b["expired"] else f"{b['days_to_expiry']}天后过期"
            self.stdout.write(f"    批号 {b['batch']:<14} 有效期至 {b['expires_on']}  {b['quantity']:>7} 包  {flag}")
        for a in s["alerts"]:
            self.stdout.write(f"    ! {a['text']}")

    def _text_reconcile(self, rows: list[dict]) -> None:
        for r in rows:
            mark = "一致" if r["matches"] else f"差额 {r['difference']}"
            self.stdout.write(
                f"{r['unit']:<12} {r['name']}  领取 {r['collection_packs']}  台账发放 {r['ledger_issued']}  {mark}"
            )
