import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from docx import Document
from docx.shared import Mm

from jiceng.indicators import actions as targets
from jiceng.indicators.service import indicator_table
from jiceng.summaries import actions, checks
from jiceng.summaries.models import Summary
from tests.conftest import has_libreoffice


@pytest.fixture
def summary(tree, registers):
    targets.set_target("NUT_COVERAGE", tree.county, 2026, "85", acting_user=tree.county_bureau)
    return actions.create_summary(tree.town_a, "2026Q4", official=False, acting_user=tree.township_officer)


def test_the_draft_says_what_the_indicators_say(tree, summary):
    table = {r["code"]: r for r in indicator_table(tree.town_a, "2026Q4", official=False)["indicators"]}
    results = summary.sections["results"]
    coverage = table["NUT_COVERAGE"]["value"]
    assert f"营养包发放率为{coverage:.2f}%" in results
    assert "达到项目目标（85%以上）" in results or "未达到项目目标（85%以上）" in results
    assert f"共发放营养包{table['NUT_PACKS']['value']:.0f}包" in results
    # every rate written in the text is one of the indicator API's values
    written = {float(x) for x in re.findall(r"为(\d+\.\d+)%", results)}
    api = {r["value"] for r in table.values() if r["value"] is not None}
    assert written and written <= api
    assert summary.title == "上坝乡卫生院2026年第四季度儿童营养改善项目工作总结"
    assert "（一）" in summary.sections["next_steps"] or "继续做好" in summary.sections["next_steps"]


def test_docx_has_official_format_and_the_same_figures(tree, summary):
    out = io.StringIO()
    del out
    from jiceng.summaries.render import render_summary

    content = render_summary(summary, acting_user=tree.township_officer).content
    document = Document(io.BytesIO(content))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    for margin, mm in (
        (section.top_margin, 37),
        (section.bottom_margin, 35),
        (section.left_margin, 28),
        (section.right_margin, 26),
    ):
        assert abs(margin - Mm(mm)) < Mm(0.1)
    text = "\n".join(p.text for p in document.paragraphs)
    assert summary.title in text.replace("\n", "") and "一、主要工作及成效" in text and "四、下一步工作计划" in text
    assert summary.sections["results"].split("\n")[0] in text
    assert "期间尚未结束" in text or "临时" in text  # 2026Q4 is not closed yet: provisional
    assert len(document.tables) == 1 and len(document.inline_shapes) >= 1
    footer_xml = section.footer._element.xml
    assert "PAGE" in footer_xml and "—" in footer_xml


@pytest.mark.skipif(not has_libreoffice(), reason="LibreOffice not installed")
def test_pdf_through_libreoffice(tree, summary):
    from jiceng.summaries.render import render_summary

    rendered = render_summary(summary, acting_user=tree.township_officer, fmt="pdf")
    mimetype, content = rendered.mimetype, rendered.content
    pages = re.findall(rb"/Type\s*/Page(?!s)", content)
    assert mimetype == "application/pdf" and content.startswith(b"%PDF") and len(pages) >= 2


def test_pdf_needs_libreoffice_in_ci():
    import os

    if os.environ.get("CI") == "true":
        assert has_libreoffice(), "LibreOffice must be installed in CI (scripts/prereqs.sh)"


def test_edits_are_kept_when_figures_refresh_and_unsupported_figures_flagged(tree, summary, make_child):
    edited = summary.sections["results"].replace("营养包发放率为", "全镇营养包发放率达到")
    actions.save_summary(
        summary,
        title=summary.title,
        opening=summary.opening,
        sections={
            **summary.sections,
            "results": edited,
            "practice": summary.sections["practice"] + "\n营养包发放率达到99.99%。",
        },
        acting_user=tree.township_officer,
    )
    summary.refresh_from_db()
    assert summary.version == 2 and summary.versions.count() == 2
    flags = checks.unsupported_figures(summary.sections, summary.figures, summary.figures)
    assert [f.figure for f in flags] == ["99.99%"]
    # the data changes: two more target children in 大寨村 who did not collect
    for i in range(2):
        make_child(
            village=tree.village_a1,
            name=f"新增{i}",
            birth_date=summary.unit.children.first().children_registered.first().birth_date,
        )
    refreshed, changes = actions.refresh_figures(summary, acting_user=tree.township_officer)
    assert "全镇营养包发放率达到" in refreshed.sections["results"]  # the author's wording is kept
    assert any(c.startswith("NUT_COVERAGE.value") for c in changes)
    flags = checks.unsupported_figures(refreshed.sections, refreshed.figures, summary.figures)
    assert any("数据已更新" in f.message for f in flags)


def test_bad_input(tree, registers):
    with pytest.raises(ValidationError, match="没有已审核的数据"):
        actions.create_summary(tree.town_a, "2024", acting_user=tree.township_officer)
    with pytest.raises(ValidationError, match="无法识别"):
        actions.create_summary(tree.town_a, "2026Q9", acting_user=tree.township_officer)
    from django.http import Http404

    with pytest.raises(Http404):
        actions.create_summary(tree.town_b, "2026", acting_user=tree.township_officer)
    assert not Summary.objects.exists()


def test_cli_writes_a_docx(tree, registers, tmp_path):
    out = tmp_path / "summary.docx"
    call_command(
        "summary",
        "--unit",
        tree.town_a.code,
        "--period",
        "2026",
        "--out",
        str(out),
        "--working",
        "--user",
        "xz_officer",
        stdout=io.StringIO(),
    )
    assert Document(str(out)).paragraphs[0].text.endswith("工作总结")
    with pytest.raises(CommandError, match="没有已审核的数据"):
        call_command(
            "summary", "--unit", tree.town_a.code, "--period", "2026", "--out", str(out), "--user", "xz_officer"
        )


def test_quarterly_analysis_page_and_docx(client, tree, registers):
    targets.set_target("NUT_COVERAGE", tree.county, 2026, "85", acting_user=tree.county_bureau)
    client.force_login(tree.township_reviewer)
    page = client.get(f"/summaries/quarterly/{tree.town_a.code}/2026Q4/?figures=working").content.decode()
    # Q4 so far: October (every target child collected) and November (none yet): 4 of 8 = 50%
    assert "大寨村" in page and "50.00%" in page and "临时数" in page
    response = client.get(f"/summaries/quarterly/{tree.town_a.code}/2026Q4/?figures=working&format=docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "营养包发放率为50.00%" in text and "未达到目标（85%）" in text
    assert client.get(f"/summaries/quarterly/{tree.town_b.code}/2026Q4/").status_code == 404
    assert client.get(f"/summaries/quarterly/{tree.town_a.code}/2026H1/").status_code == 404


def test_a_fresh_draft_flags_nothing(db):
    import datetime as dt

    from jiceng.accounts.models import User
    from jiceng.demo.generator import generate_county
    from jiceng.demo.history import load_register_history
    from jiceng.demo.load import load_counties
    from jiceng.orgunits.models import OrgUnit

    load_counties([generate_county(children=600, townships=2, villages_per_township=(5, 5))])
    load_register_history(OrgUnit.objects.get(code="522799"), as_of=dt.date(2026, 11, 22))
    officer = User.objects.get(username="xz_officer")
    summary = actions.create_summary(officer.unit, "2026", official=False, acting_user=officer)
    assert "较低的是" in summary.sections["problems"]  # the lagging villages are named with their rates
    assert checks.unsupported_figures(summary.sections, summary.figures, summary.figures) == []
