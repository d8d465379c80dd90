"""jiceng benefits keys                                   # a new key pair for JICENG_FIELD_KEYS / _HASH_KEY
jiceng benefits rotate-keys                               # re-encrypt every stored number with the newest key
jiceng benefits purge-lists                               # delete department lists past their retention period
jiceng benefits figures --year 2026 --user wjj [--unit CODE] [--json]   # the year's figures and sentence
jiceng benefits roster --year 2026 --user NAME [--scheme 特扶] [--json]   # the enrolments the user may see

Rotation (README, "Keys for personal data"): put the new key first in JICENG_FIELD_KEYS, keeping the old
one after it; restart; run ``jiceng benefits rotate-keys``; then drop the old key and restart again.
"""

from __future__ import annotations

import json

from django.core.management.base import CommandError
from django.db import transaction

from jiceng.audit import actions_catalog
from jiceng.audit.recorder import record
from jiceng.benefits import fieldkeys, queries
from jiceng.benefits.models import Person
from jiceng.benefits.rules import schemes
from jiceng.management.acting_user import acting_user, add_user_argument
from jiceng.management.domain_command import DomainCommand


class Command(DomainCommand):
    help = "Family-planning benefits: field keys (new, rotate) and the roster (scoped to --user)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser("keys", help="print a new JICENG_FIELD_KEYS / JICENG_FIELD_HASH_KEY pair")
        sub.add_parser("rotate-keys", help="re-encrypt every stored ID number and bank account with the newest key")
        sub.add_parser("purge-lists", help="delete the department lists whose retention period is over")
        figures = sub.add_parser("figures", help="a year's figures and the work-summary sentence for a unit")
        figures.add_argument("--year", type=int, required=True)
        figures.add_argument("--unit", default="", help="unit code (default: the user's scope)")
        figures.add_argument("--json", action="store_true")
        add_user_argument(figures)
        roster = sub.add_parser("roster", help="the enrolments of a year in the user's subtree")
        roster.add_argument("--year", type=int, required=True)
        roster.add_argument("--scheme", choices=schemes.SCHEMES, default="")
        roster.add_argument("--json", action="store_true")
        add_user_argument(roster)

    def handle(self, *args, **options):
        verb = options["verb"]
        if verb == "keys":
            pair = fieldkeys.new_keys()
            self.stdout.write(f"JICENG_FIELD_KEYS={pair['keys']}\nJICENG_FIELD_HASH_KEY={pair['hash_key']}")
        elif verb == "rotate-keys":
            self._rotate()
        elif verb == "purge-lists":
            from jiceng.benefits.lists import purge_expired

            self.stdout.write(f"已删除到期的部门比对名单 {purge_expired()} 份")
        elif verb == "figures":
            self._figures(options)
        else:
            self._roster(options)

    def _figures(self, options) -> None:
        from jiceng.accounts import access
        from jiceng.benefits import figures

        user = acting_user(options)
        if not access.can(user, "benefits.view"):
            raise CommandError(f"用户 {user.username} 的角色不能查看奖扶特扶")
        if not 2004 <= options["year"] <= 2100:
            raise CommandError("--year:应为2004至2100年")
        unit = access.unit_in_scope_or_404(user, options["unit"]) if options["unit"] else access.scope_root(user)
        rows = figures.year_figures(unit, options["year"])
        text = figures.sentence(unit, options["year"])
        if options["json"]:
            body = {
                "unit": unit.code,
                "year": options["year"],
                "schemes": [
                    {
                        "scheme": f.scheme,
                        "roster": f.roster,
                        "new": f.new,
                        "died": f.died,
                        "moved_out": f.moved_out,
                        "ended": f.ended,
                        "paid_people": f.paid_people,
                        "paid_amount": f"{f.paid_amount:.2f}",
                        "fulfilment": None if f.fulfilment is None else f"{f.fulfilment}",
                    }
                    for f in rows
                ],
                "sentence": text,
            }
            self.stdout.write(json.dumps(body, ensure_ascii=False, indent=2))
            return
        for f in rows:
            rate = "—" if f.fulfilment is None else f"{f.fulfilment}%"
            self.stdout.write(
                f"{f.scheme}: 名册{f.roster}人 新增{f.new} 死亡{f.died} 迁出{f.moved_out} "
                f"发放{f.paid_people}人 {f.paid_amount:.2f}元 兑现率{rate}"
            )
        if text:
            self.stdout.write(text)

    def _rotate(self) -> None:
        keys = fieldkeys.current()
        count = 0
        with transaction.atomic():
            for person in Person.objects.select_for_update().order_by("pk"):
                person.id_number_token = keys.rotate(person.id_number_token)
                person.bank_account_token = keys.rotate(person.bank_account_token)
                person.save(update_fields=["id_number_token", "bank_account_token"])
                count += 1
        self.stdout.write(f"已用最新密钥重新加密 {count} 人的身份证号和银行账号 (re-encrypted {count} people)")

    def _roster(self, options) -> None:
        user = acting_user(options)
        if not 2004 <= options["year"] <= 2100:
            raise CommandError("--year:应为2004至2100年")
        rows = []
        for enrolment in queries.enrolments(user, year=options["year"], scheme=options["scheme"]):
            id_number, account = queries.numbers_for(user, enrolment.person)
            rows.append(
                {
                    "village": enrolment.village.code,
                    "name": enrolment.person.name,
                    "id_number": id_number,
                    "bank_account": account,
                    "scheme": enrolment.scheme,
                    "category": enrolment.category,
                    "year": enrolment.year,
                    "state": enrolment.get_state_display(),
                    "per_year": str(enrolment.per_year),
                    "eligible": enrolment.eligible,
                }
            )
        record(
            actor=user,
            action=actions_catalog.EXPORT_BENEFIT_ROSTER,
            object_type="benefits.enrolment",
            object_repr=f"{options['year']}年{options['scheme'] or '全部项目'}名册(CLI)",
            unit=user.unit,
            after={"rows": len(rows), "full_numbers": queries.shows_full_numbers(user)},
        )
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for row in rows:
            self.stdout.write(
                f"{row['village']} {row['name']} {row['id_number']} {row['scheme']}{row['category']} "
                f"{row['state']} {row['per_year']}元"
            )
        self.stdout.write(f"共 {len(rows)} 人")
