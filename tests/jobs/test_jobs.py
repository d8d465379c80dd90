"""Background jobs: a large import goes to the worker (the real ``db_worker`` command, run once), the
job's page shows its progress and then the result or the errors in Chinese, a user sees only their own
jobs, every step is in the audit trail, a crash is a Chinese message with a retry, and the same file
cannot be imported twice at once."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from jiceng.audit.models import AuditEntry
from jiceng.jobs import actions, files, kinds
from jiceng.jobs.models import Job
from jiceng.nutrition import actions as register
from jiceng.nutrition.models import Collection
from tests.excel.helpers import collections_file, months_ago

BIRTH = months_ago(14, 1)
# committed for real: the worker runs outside any test transaction, as it does in production
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def data_dir(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    settings.JICENG_BACKGROUND_ROWS = 3  # a "large" file here is more than 3 rows
    return tmp_path


def run_worker():
    """The worker as production runs it (``jiceng db_worker``), processing what is queued, then stopping."""
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def consented(tree, make_child):
    def make(name):
        child = make_child(name=name, birth_date=BIRTH)
        register.record_consent(
            child, signed_on=months_ago(6), signed_by="母亲", relation="母亲", acting_user=tree.township_officer
        )
        return child

    return make


def rows(names, months=(3, 2)):
    return [["", name, BIRTH, None, months_ago(m, 5), 30, "李梅"] for name in names for m in months]


def test_a_large_import_is_queued_run_by_the_worker_and_shows_its_progress_and_result(tree, consented):
    for name in "甲乙丙":
        consented(name)
    client = login(tree.village_doctor)
    upload = collections_file(*rows("甲乙丙"))

    response = client.post(
        reverse("excel_import", args=["collections"]), {"file": SimpleUploadedFile("三月发放.xlsx", upload)}
    )
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("job_detail", args=[job.pk])
    assert job.status == Job.Status.QUEUED and job.owner == tree.village_doctor and job.input_name == "三月发放.xlsx"
    assert files.input_path(job.id).read_bytes() == upload  # the file is kept until the job ends
    assert not Collection.objects.exists()

    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "排队中" in page and 'hx-trigger="every 1s"' in page and 'value="0"' in page
    assert AuditEntry.objects.filter(action="job.start", object_id=str(job.pk)).exists()

    run_worker()

    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.outcome["ok"], job.outcome
    assert Collection.objects.count() == 6
    assert AuditEntry.objects.filter(action="collection.create").count() == 6
    assert AuditEntry.objects.get(action="import.collections").after == {"rows": 6, "saved": 6, "errors": 0}
    assert AuditEntry.objects.filter(action="job.finish", object_id=str(job.pk)).exists()
    state = files.read_progress(job.id)
    assert state["fraction"] == 1.0 and state["label"] == "完成"
    assert not files.input_path(job.id).exists()  # done: the upload is no longer needed

    fragment = client.get(reverse("job_progress", args=[job.pk])).content.decode()
    assert "6 行全部导入成功" in fragment and "hx-trigger" not in fragment  # finished: polling stops
    listing = client.get(reverse("jobs")).content.decode()
    assert "导入营养包发放登记" in listing and "已完成" in listing


def test_a_refused_file_lists_every_error_in_chinese_and_saves_nothing(tree, consented):
    consented("甲")
    bad = rows("甲") + [
        ["", "不存在", BIRTH, None, months_ago(1, 5), 30, ""],
        ["", "甲", BIRTH, None, months_ago(1, 6), 0, ""],
    ]
    job = actions.start_job(
        tree.village_doctor,
        "register_import",
        title="导入营养包发放登记",
        params={"register": "collections"},
        content=collections_file(*bad),
        input_name="错.xlsx",
    )
    run_worker()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and not job.outcome["ok"]
    assert job.outcome["summary"] == "发现 2 处错误，整个文件未导入（没有保存任何数据）"
    page = login(tree.village_doctor).get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "第4行" in page and "大寨村没有登记“不存在”" in page and "第5行" in page and "应为正整数" in page
    assert not Collection.objects.exists()


def test_another_users_job_is_a_404_everywhere(tree, consented):
    job = actions.start_job(
        tree.village_doctor, "register_import", title="导入", params={"register": "collections"}, content=b"x"
    )
    stranger = login(tree.township_officer)  # even the doctor's own township officer
    for name in ("job_detail", "job_progress", "job_result"):
        assert stranger.get(reverse(name, args=[job.pk])).status_code == 404
    assert stranger.post(reverse("job_retry", args=[job.pk])).status_code == 404
    assert str(job.pk) not in stranger.get(reverse("jobs")).content.decode()


def test_a_crash_is_a_chinese_message_with_a_retry_and_loses_nothing(tree, consented, monkeypatch):
    consented("甲")
    content = collections_file(*rows("甲"))
    job = actions.start_job(
        tree.village_doctor, "register_import", title="导入", params={"register": "collections"}, content=content
    )

    def explode(job, source):
        raise RuntimeError("Traceback: KeyError('secret internals')")

    monkeypatch.setitem(kinds.KINDS, "register_import", kinds.JobKind("register_import", explode))
    run_worker()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.failure.startswith("处理时发生意外错误，没有保存任何数据") and job.short_id in job.failure
    client = login(tree.village_doctor)
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "任务失败" in page and "重试" in page and "Traceback" not in page and "KeyError" not in page
    assert files.input_path(job.id).read_bytes() == content  # kept for the retry
    assert AuditEntry.objects.filter(action="job.fail", object_id=str(job.pk)).exists()

    monkeypatch.undo()
    response = client.post(reverse("job_retry", args=[job.pk]))
    again = Job.objects.exclude(pk=job.pk).get()
    assert response["Location"] == reverse("job_detail", args=[again.pk]) and again.retry_of == job
    run_worker()
    again.refresh_from_db()
    assert again.status == Job.Status.DONE and again.outcome["ok"] and Collection.objects.count() == 2
    assert AuditEntry.objects.filter(action="job.retry", object_id=str(job.pk)).exists()


def test_the_same_file_cannot_be_imported_twice_while_the_first_runs(tree, consented):
    content = collections_file(*rows("甲"))
    params = {"register": "collections"}
    actions.start_job(tree.village_doctor, "register_import", title="导入", params=params, content=content)
    with pytest.raises(actions.Conflict, match="同一个文件已在导入中"):
        actions.start_job(tree.township_officer, "register_import", title="导入", params=params, content=content)
    assert Job.objects.count() == 1


@override_settings(JICENG_JOB_STALE_SECONDS=0)
def test_a_running_job_whose_worker_stopped_is_shown_failed_with_a_retry(tree):
    job = actions.start_job(
        tree.village_doctor, "register_import", title="导入", params={"register": "collections"}, content=b"x"
    )
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)  # a worker took it, then died
    page = login(tree.village_doctor).get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "后台处理程序在处理中途停止了" in page and "重试" in page
    assert Job.objects.get(pk=job.pk).status == Job.Status.FAILED


def test_a_summary_pdf_is_made_by_the_worker_and_downloaded_from_the_job(tree):
    from jiceng.summaries import actions as summaries
    from tests.conftest import has_libreoffice, missing_prerequisite

    if not has_libreoffice():
        missing_prerequisite("LibreOffice (apt-get install libreoffice-writer-nogui)")
    summary = summaries.create_summary(tree.town_a, "2026Q4", official=False, acting_user=tree.township_officer)
    client = login(tree.township_officer)
    response = client.post(reverse("summary_pdf_job", args=[summary.pk]))
    job = Job.objects.get()
    assert response["Location"] == reverse("job_detail", args=[job.pk]) and job.title.startswith("生成 PDF：")
    assert client.get(reverse("summary_pdf_job", args=[summary.pk])).status_code == 405  # only a POST starts one
    run_worker()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.result_name == f"{summary.title}.pdf", job.failure
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "下载" in page and reverse("job_result", args=[job.pk]) in page
    download = client.get(reverse("job_result", args=[job.pk]))
    assert download["Content-Type"] == "application/pdf" and download.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="export.summary", object_id=str(summary.pk)).count() == 1
    outsider = login(tree.township_reviewer_b)  # another township: neither the summary nor the job
    assert outsider.post(reverse("summary_pdf_job", args=[summary.pk])).status_code == 404
    assert outsider.get(reverse("job_result", args=[job.pk])).status_code == 404


def test_a_large_table_in_another_systems_layout_is_imported_by_the_worker(tree, settings):
    """报表导入 of the national system's quarterly table: over the (layout) threshold it goes to the worker."""
    from jiceng.reporting.layout_import import all_layouts
    from jiceng.reporting.models import Report
    from tests.excel.helpers import xlsx

    settings.JICENG_BACKGROUND_ROWS = 10  # a layout file is large from 1 row here (a tenth)
    layout = all_layouts()["PH_NATIONAL_QUARTERLY"]
    header = ["机构代码", "机构名称", "统计期", *layout.columns]
    filler = [5] * len(layout.columns)
    content = xlsx(
        header,
        [[tree.town_a.code, "上坝乡卫生院", "2026Q2", *filler], [tree.town_a.code, "上坝乡卫生院", "2026Q1", *filler]],
    )
    client = login(tree.township_officer)
    response = client.post(
        reverse("report_import"),
        {
            "dataset": "PH_QUARTERLY",
            "layout": layout.code,
            "period": "",
            "file": SimpleUploadedFile("国家系统.xlsx", content),
        },
    )
    job = Job.objects.get()
    assert response["Location"] == reverse("job_detail", args=[job.pk]) and job.kind == "layout_import"
    run_worker()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.outcome["ok"], (job.failure, job.outcome)
    assert job.outcome["summary"].startswith("2 行全部导入成功")
    assert Report.objects.filter(dataset="PH_QUARTERLY", unit=tree.town_a).exclude(values=None).count() == 2
    page = client.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "上坝乡卫生院 · 2026Q2" in page or "上坝乡 · 2026Q2" in page
    assert AuditEntry.objects.filter(action="report.import").count() == 2


def test_every_units_report_of_a_county_is_one_table_made_by_the_worker(tree, consented):
    import io

    from openpyxl import load_workbook

    child = consented("甲")
    register.record_collection(child, collected_on=months_ago(1, 5), packs=30, acting_user=tree.village_doctor)
    period = months_ago(1).strftime("%Y-%m")
    client = login(tree.county_mch)
    response = client.post(reverse("units_table_job", args=["NUT_MONTHLY", tree.county.code, period]))
    job = Job.objects.get()
    assert response["Location"] == reverse("job_detail", args=[job.pk]) and job.kind == "units_report"
    run_worker()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.failure
    download = client.get(reverse("job_result", args=[job.pk]))
    sheet = load_workbook(io.BytesIO(download.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    codes = [r[0] for r in rows[1:]]
    assert codes == [
        tree.county.code,
        tree.town_a.code,
        tree.village_a1.code,
        tree.village_a2.code,
        tree.town_b.code,
        tree.village_b1.code,
        tree.village_b2.code,
    ]
    assert rows[0][:3] == ("单位代码", "单位名称", "层级") and len(rows[0]) > 10
    packs = rows[0].index("N05 本月发放包数")
    assert rows[1][packs] == rows[2][packs] == rows[3][packs] == 30  # the village's collection, summed upward
    assert rows[4][packs] in (None, 0)
    assert AuditEntry.objects.filter(action="export.report", unit=tree.county).count() == 1
    # a unit outside the scope: the page refuses before any job is made
    outsider = login(tree.township_reviewer_b)
    assert outsider.post(reverse("units_table_job", args=["NUT_MONTHLY", tree.county.code, period])).status_code == 404
    assert Job.objects.count() == 1


def test_a_file_is_large_by_its_own_row_count_with_or_without_a_dimension():
    import io

    from openpyxl import Workbook

    from jiceng.documents.excel import is_large
    from jiceng.nutrition.excel import COLLECTIONS

    def book(n: int, write_only: bool) -> bytes:
        workbook = Workbook(write_only=write_only)
        sheet = workbook.create_sheet(COLLECTIONS.title) if write_only else workbook.active
        sheet.append(COLLECTIONS.headers)
        for i in range(n):
            sheet.append(["大寨村", f"儿童{i}", BIRTH, None, months_ago(1), 30, ""])
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()

    for write_only in (False, True):  # Excel and WPS write <dimension>; openpyxl's write-only files do not
        assert is_large(COLLECTIONS, book(30, write_only), 20, most=100)
        assert not is_large(COLLECTIONS, book(20, write_only), 20, most=100)
        assert not is_large(COLLECTIONS, book(101, write_only), 20, most=100)  # refused at once instead
    assert not is_large(COLLECTIONS, b"not a workbook", 20, most=100)


def test_a_long_department_list_is_matched_by_the_worker(tree):
    """部门信息比对: a 公安 list over the threshold goes to the worker; the job says what was matched."""
    import datetime as dt

    from jiceng.benefits.models import DepartmentList
    from tests.excel.helpers import xlsx

    headers = ("公民身份号码", "姓名", "出生日期", "变动类型", "变动日期", "户籍地村代码")
    rows = [("", f"某人{i}", dt.date(1970, 1, 1 + i), "死亡", dt.date(2026, 1, 5), "") for i in range(5)]
    client = login(tree.county_bureau)
    response = client.post(
        reverse("benefit_list_checks"),
        {"source": "gongan", "file": SimpleUploadedFile("公安.xlsx", xlsx(headers, rows))},
    )
    job = Job.objects.get()
    assert response["Location"] == reverse("job_detail", args=[job.pk]) and job.kind == "list_match"
    run_worker()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.outcome["ok"], (job.failure, job.outcome)
    assert job.outcome["summary"].startswith("已比对 5 行")
    assert DepartmentList.objects.get().rows == 5
