"""jiceng supervision findings --user NAME [--list problems|tasks|results] [--state S] [--overdue] [--under CODE] [--json]
jiceng supervision records --user NAME [--under CODE] [--json]
jiceng supervision scores --user NAME --period P [--unit CODE] [--scheme CODE] [--json]

Inspections, rectification items (the three lists) and assessment scores, as the user sees them on the
pages: a unit outside the user's subtree is "not found", exactly like a 404.
"""

from __future__ import annotations

import json

from django.core.management.base import CommandError

from jiceng.accounts import access
from jiceng.management.acting_user import acting_user, add_user_argument
from jiceng.management.domain_command import DomainCommand
from jiceng.periods import PeriodError, parse_period
from jiceng.supervision import actions, queries
from jiceng.supervision.api import score_rows
from jiceng.supervision.assessment import all_schemes


class Command(DomainCommand):
    help = "Supervision: findings (问题/任务/结果清单), inspection records and assessment scores (scoped to --user)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        findings = sub.add_parser("findings", help="the three lists of rectification items")
        findings.add_argument("--list", dest="which", default="problems", choices=list(queries.LISTS))
        findings.add_argument("--state", default="", help="open | replied | rechecked | closed")
        findings.add_argument("--overdue", action="store_true", help="only overdue (逾期) items")
        records = sub.add_parser("records", help="inspection records")
        scores = sub.add_parser("scores", help="assessment scores and ranking")
        scores.add_argument("--period", required=True, help="2026Q3, 2026, 2026-10, 2026YTD10 …")
        scores.add_argument("--unit", help="the unit whose units are ranked (default: the user's scope)")
        scores.add_argument("--scheme", help="assessment scheme code (default: the first)")
        for p in (findings, records):
            p.add_argument("--under", help="unit code (default: the user's scope)")
        for p in (findings, records, scores):
            add_user_argument(p)
            p.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **options):
        user = acting_user(options)
        verb = options["verb"]
        if verb == "scores":
            if not (access.can(user, "analysis.view") or access.can(user, "supervision.inspect")):
                raise CommandError(f"用户 {user.username} 的角色不能查看考核得分")
            root = (
                access.unit_in_scope_or_404(user, options["unit"]) if options.get("unit") else access.scope_root(user)
            )
            schemes = all_schemes()
            scheme = schemes.get(options.get("scheme") or next(iter(schemes), ""))
            if scheme is None:
                raise CommandError(f"--scheme：可选 {' '.join(schemes)}")
            try:
                period = parse_period(options["period"])
            except PeriodError as exc:
                raise CommandError(f"--period：{exc}") from None
            rows = score_rows(scheme, root, period)
            if options["json"]:
                self.stdout.write(
                    json.dumps(
                        {"scheme": scheme.code, "unit": root.code, "period": period.code, "ranking": rows},
                        ensure_ascii=False,
                        indent=1,
                    )
                )
                return
            self.stdout.write(f"{root.display_name} {period.label} {scheme.name}（满分{scheme.total_points}）")
            for r in rows:
                flag = " 落后" if r["lagging"] else ""
                self.stdout.write(f"  {r['rank']:>3} {r['name']:<12} {r['total']:>6}{flag}")
            return
        if not queries.can_view(user):
            raise CommandError(f"用户 {user.username} 的角色不能查看督导检查")
        unit = access.unit_in_scope_or_404(user, options["under"]) if options.get("under") else None
        if verb == "records":
            rows = queries.records_for(user).order_by("-inspected_on", "-id")
            if unit is not None:
                rows = rows.filter(unit__path__startswith=unit.path)
            data = [
                {
                    "id": r.pk,
                    "unit": r.unit.code,
                    "name": r.unit.display_name,
                    "checklist": r.checklist,
                    "inspected_on": r.inspected_on.isoformat(),
                    "score": str(r.score),
                    "max_score": str(r.max_score),
                    "findings": r.findings.filter(withdrawn=False).count(),
                    "withdrawn": r.withdrawn,
                }
                for r in rows
            ]
            self._emit(options, data, lambda r: f"{r['inspected_on']} {r['name']} {r['score']}/{r['max_score']}")
            return
        today = actions.today()
        rows = queries.list_rows(
            user, options["which"], today, unit=unit, state=options["state"], overdue=options["overdue"]
        )
        data = [
            {
                "id": f.pk,
                "unit": f.unit.code,
                "name": f.unit.display_name,
                "description": f.description,
                "source": f.source,
                "found_on": f.found_on.isoformat(),
                "notice": f.notice.number_text if f.notice else None,
                "deadline": f.deadline.isoformat() if f.deadline else None,
                "state": f.state,
                "state_label": f.get_state_display(),
                "overdue": f.is_overdue(today),
                "closed_on": f.closed_on.isoformat() if f.closed_on else None,
            }
            for f in rows
        ]
        self._emit(
            options,
            data,
            lambda r: (
                f"{r['id']:>6} {r['name']} {r['state_label']}"
                f"{'（逾期）' if r['overdue'] else ''} {r['description'][:40]}"
            ),
        )

    def _emit(self, options, rows, line):
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
        else:
            for row in rows:
                self.stdout.write(line(row))
