"""Daily mistakes and their corrections in the demo: 王村医 (``cunyi``) cancels an issue tapped by mistake this
month, and the township programme officer corrects a follow-up card's weight, both through the same actions
as the pages (reversing stock line, audit rows with the reason)."""

from __future__ import annotations

from decimal import Decimal

from jiceng.accounts.models import Role, User
from jiceng.nutrition import amend
from jiceng.nutrition.models import Collection, FollowUp
from jiceng.orgunits.models import OrgUnit


def load_corrections(county: OrgUnit, month: str) -> int:
    """Cancel one collection and correct one follow-up card of ``month`` in the demo doctor's village."""
    doctor = User.objects.filter(username="cunyi", role=Role.VILLAGE_DOCTOR).select_related("unit").first()
    officer = User.objects.filter(username="xz_officer", role=Role.TOWNSHIP_OFFICER).first()
    if doctor is None or officer is None or not doctor.unit.path.startswith(county.path):
        return 0
    done = 0
    collection = Collection.objects.filter(unit=doctor.unit, month=month, issued_by=doctor).order_by("-pk").first()
    if collection is not None and amend.refusal(doctor, "collection", collection) is None:
        amend.cancel_entry(
            "collection", collection.pk, reason="误点发放：看护人当天未来领取，营养包未发出", acting_user=doctor
        )
        done += 1
    card = (
        FollowUp.objects.filter(unit=doctor.unit, month=month, weight_kg__isnull=False, weight_kg__lt=Decimal("90"))
        .order_by("-pk")
        .first()
    )
    if card is not None and amend.refusal(officer, "followup", card) is None:
        amend.correct_entry(
            "followup",
            card.pk,
            values={"weight_kg": card.weight_kg + Decimal("0.3")},
            reason="复核体重秤后更正（原记录少记 0.3 kg）",
            acting_user=officer,
        )
        done += 1
    return done
