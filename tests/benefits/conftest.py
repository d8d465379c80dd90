from __future__ import annotations

import datetime as dt

import pytest

from jiceng.benefits import actions
from jiceng.standards.idnumber import make_id_number

D = dt.date
MOTHER_BIRTH = D(1972, 4, 1)


@pytest.fixture
def tefu_family(tree):
    """A rural family whose only child died: mother born 1972, father 1970, in 大寨村."""

    def make(village=None, mother_birth=MOTHER_BIRTH, sequence=1, user=None):
        village = village or tree.village_a1
        data = actions.FamilyInput(
            village_code=village.code,
            address="大寨村三组",
            people=[
                actions.PersonInput(
                    role="mother",
                    name=f"龙秀英{sequence}",
                    sex="F",
                    birth_date=mother_birth,
                    id_number=make_id_number("522799", mother_birth, sequence, "F"),
                    bank_name="农村信用社",
                    bank_account=f"62230000{sequence:011d}",
                ),
                actions.PersonInput(
                    role="father",
                    name=f"杨国华{sequence}",
                    sex="M",
                    birth_date=D(1970, 2, 3),
                    id_number=make_id_number("522799", D(1970, 2, 3), sequence, "M"),
                    bank_name="农村信用社",
                    bank_account=f"62231111{sequence:011d}",
                ),
            ],
            children=[
                actions.ChildInput(
                    name="杨小军", sex="M", birth_date=D(1995, 5, 1), status="死亡", died_on=D(2019, 3, 2)
                )
            ],
            certificates=[actions.CertificateInput(kind="only_child", number="黔独001", issued_on=D(1996, 1, 5))],
        )
        return actions.register_family(user or tree.village_doctor, data)

    return make
