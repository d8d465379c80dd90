"""Every audit action code (``AuditEntry.action``) with its label in words (Chinese).

A leaf module: no Django, no other jiceng import, so any module may import it. Call sites write
``record(action=actions_catalog.CHILD_MERGE, …)``; the audit pages show :func:`label_of`.
A code that is not in :data:`ACTION_LABELS` fails ``tests/foundation/test_audit_catalog.py``.

Codes are ``<object>.<verb>`` (``child.merge``) or ``<verb>.<what>`` for exports and imports
(``export.children``); they are stored in the audit table, so an existing code is never renamed.
"""

from __future__ import annotations

# --- organisation units (jiceng/orgunits) --------------------------------------------------------
UNIT_CREATE = "unit.create"
UNIT_UPDATE = "unit.update"
UNIT_DENOMINATOR = "unit.denominator"
UNIT_IMPORT = "unit.import"

# --- users (jiceng/accounts) ---------------------------------------------------------------------
USER_CREATE = "user.create"
USER_SET_PASSWORD = "user.set_password"
USER_ACTIVATE = "user.activate"
USER_DEACTIVATE = "user.deactivate"
USER_UNLOCK = "user.unlock"
USER_IMPORT = "user.import"
USER_TOKEN_ISSUE = "user.token_issue"
USER_TOKEN_REVOKE = "user.token_revoke"

# --- the child register (jiceng/nutrition) -------------------------------------------------------
CHILD_REGISTER = "child.register"
CHILD_REGISTER_REFUSED = "child.register.refused"  # an ID number registered outside the caller's subtree
CHILD_UPDATE = "child.update"
CHILD_CONSENT = "child.consent"
CHILD_ASSESSMENT = "child.assessment"
CHILD_MERGE = "child.merge"
CHILD_TRANSFER = "child.transfer"
CHILD_MOVE_OUT = "child.move_out"
CHILD_MOVE_IN = "child.move_in"
CHILD_DEATH = "child.death"
COLLECTION_CREATE = "collection.create"
FOLLOWUP_CREATE = "followup.create"
FORCE_MAJEURE_DECLARE = "force_majeure.declare"
IMPORT_CHILDREN = "import.children"
IMPORT_COLLECTIONS = "import.collections"
IMPORT_FOLLOWUPS = "import.followups"
EXPORT_CHILDREN = "export.children"
EXPORT_COLLECTIONS = "export.collections"
EXPORT_FOLLOWUPS = "export.followups"
EXPORT_WORKLIST = "export.worklist"
API_READ_CHILDREN = "api.read.children"
API_READ_COLLECTIONS = "api.read.collections"
API_READ_FOLLOWUPS = "api.read.followups"
API_READ_STOCK_LEDGER = "api.read.stock_ledger"
CHILD_REVEAL = "child.reveal"

#: ``Move.Kind`` value → the action code of that move.
CHILD_MOVE_ACTIONS = {
    "transfer": CHILD_TRANSFER,
    "move_out": CHILD_MOVE_OUT,
    "move_in": CHILD_MOVE_IN,
    "death": CHILD_DEATH,
}
#: 更正 / 撤销 of a register entry (``collection`` | ``consent`` | ``assessment`` | ``followup`` | ``move``).
ENTRY_CORRECT = {kind: f"{kind}.correct" for kind in ("collection", "consent", "assessment", "followup", "move")}
ENTRY_CANCEL = {kind: f"{kind}.cancel" for kind in ("collection", "consent", "assessment", "followup", "move")}
_ENTRY_NAMES = {
    "collection": "领取记录",
    "consent": "知情同意书",
    "assessment": "医生评估",
    "followup": "随访卡",
    "move": "迁移/死亡登记",
}
#: Excel register (``children`` | ``collections`` | ``followups``) → import / export action code.
IMPORT_ACTIONS = {"children": IMPORT_CHILDREN, "collections": IMPORT_COLLECTIONS, "followups": IMPORT_FOLLOWUPS}
EXPORT_ACTIONS = {"children": EXPORT_CHILDREN, "collections": EXPORT_COLLECTIONS, "followups": EXPORT_FOLLOWUPS}
#: personal data read in bulk through the API (one row per list request, with the row count) → action code.
API_READ_ACTIONS = {
    "children": API_READ_CHILDREN,
    "collections": API_READ_COLLECTIONS,
    "followups": API_READ_FOLLOWUPS,
    "stock_ledger": API_READ_STOCK_LEDGER,
    "benefit_enrolments": "api.read.benefit_enrolments",
}

# --- activities (jiceng/activities) --------------------------------------------------------------
TRAINING_CREATE = "training.create"
TRAINING_UPDATE = "training.update"
TRAINING_WITHDRAW = "training.withdraw"
EDUCATION_CREATE = "education.create"
EDUCATION_UPDATE = "education.update"
EDUCATION_WITHDRAW = "education.withdraw"

# --- supervision and rectification (jiceng/supervision) ------------------------------------------
INSPECTION_PLAN_CREATE = "inspection_plan.create"
INSPECTION_RECORD = "inspection.record"
INSPECTION_WITHDRAW = "inspection.withdraw"
FINDING_CREATE = "finding.create"
NOTICE_ISSUE = "notice.issue"
NOTICE_RECEIPT = "notice.receipt"
FINDING_REPLY = "finding.reply"
FINDING_RETURN = "finding.return"
FINDING_RECHECK = "finding.recheck"
FINDING_CLOSE = "finding.close"
FINDING_ESCALATE = "finding.escalate"
FINDING_CASE_CLOSE = "finding.case_close"
EXPORT_NOTICE = "export.notice"
EXPORT_RECTIFICATION = "export.rectification"
BULLETIN_ISSUE = "bulletin.issue"
DISPATCH_CREATE = "dispatch.create"
DISPATCH_PROGRESS = "dispatch.progress"
BULLETIN_READ = "bulletin.read"
EXPORT_BULLETIN = "export.bulletin"

# --- the stock ledger (jiceng/stock) -------------------------------------------------------------
STOCK_ISSUE = "stock.issue"
STOCK_ISSUE_REVERSE = "stock.issue.reverse"
STOCK_RECEIPT = "stock.receipt"
STOCK_TRANSFER_SEND = "stock.transfer.send"
STOCK_TRANSFER_CONFIRM = "stock.transfer.confirm"
STOCK_LOSS = "stock.loss"
STOCK_STOCKTAKE = "stock.stocktake"
STOCK_REVERSE = "stock.reverse"
STOCK_STORAGE_CHECK = "stock.storage_check"
STOCK_ALLOCATION_PROPOSE = "stock.allocation.propose"
STOCK_ALLOCATION_UPDATE = "stock.allocation.update"
STOCK_EXPORT = "stock.export"

# --- monthly reports (jiceng/reporting; its modules still write the literal codes) ---------------
REPORT_VALUE = "report.value"
REPORT_SUBMIT = "report.submit"
REPORT_APPROVE = "report.approve"
REPORT_RETURN = "report.return"
REPORT_MISSING = "report.missing"
REPORT_OVERRIDE = "report.override"
REPORT_IMPORT = "report.import"
REPORT_DHIS2_IMPORT = "report.dhis2_import"
EXPORT_DHIS2 = "export.dhis2"
EXPORT_REPORT = "export.report"

# --- indicators and work summaries (jiceng/indicators, jiceng/summaries) -------------------------
TARGET_SET = "target.set"
EXPORT_INDICATORS = "export.indicators"
SUMMARY_CREATE = "summary.create"
SUMMARY_SAVE = "summary.save"
SUMMARY_REFRESH = "summary.refresh"
SUMMARY_APPROVE = "summary.approve"
SUMMARY_REOPEN = "summary.reopen"
EXPORT_SUMMARY = "export.summary"
EXPORT_QUARTERLY = "export.quarterly"

# --- family-planning benefits (jiceng/benefits) ---------------------------------------------------
BENEFIT_FAMILY_REGISTER = "benefit.family_register"
BENEFIT_FAMILY_REGISTER_REFUSED = "benefit.family_register.refused"  # an ID number already on file elsewhere
BENEFIT_DECLARE = "benefit.declare"
BENEFIT_VILLAGE_CHECK = "benefit.village_check"
BENEFIT_TOWNSHIP_REVIEW = "benefit.township_review"
BENEFIT_APPROVE = "benefit.approve"
BENEFIT_RETURN = "benefit.return"
BENEFIT_REVEAL = "benefit.reveal"
EXPORT_BENEFIT_ROSTER = "export.benefit_roster"
BENEFIT_NOTICE = "benefit.notice"
BENEFIT_OBJECTION = "benefit.objection"
BENEFIT_OBJECTION_RESOLVE = "benefit.objection.resolve"
BENEFIT_EXIT = "benefit.exit"
BENEFIT_CARRY_FORWARD = "benefit.carry_forward"
BENEFIT_BATCH_CREATE = "benefit.batch.create"
BENEFIT_BATCH_RETURN = "benefit.batch.return"
BENEFIT_PAYMENT_FOLLOW_UP = "benefit.payment.follow_up"
EXPORT_BENEFIT_PAYMENT_FILE = "export.benefit_payment_file"
EXPORT_BENEFIT_NOTICE = "export.benefit_notice"
API_READ_BENEFIT_ENROLMENTS = "api.read.benefit_enrolments"
BENEFIT_LIST_IMPORT = "benefit.list.import"
BENEFIT_LIST_PURGE = "benefit.list.purge"
BENEFIT_WORK_ITEM_RESOLVE = "benefit.work_item.resolve"

# --- background jobs (jiceng/jobs) ----------------------------------------------------------------
JOB_START = "job.start"
JOB_FINISH = "job.finish"
JOB_FAIL = "job.fail"
JOB_RETRY = "job.retry"

# --- demo data (jiceng/demo, jiceng/demo/stock.py, jiceng/demo/reports.py) ---------------------
DEMO_LOAD = "demo.load"
DEMO_HISTORY = "demo.history"
DEMO_STOCK_HISTORY = "demo.stock_history"
DEMO_REPORTS = "demo.reports"
DEMO_SUPERVISION = "demo.supervision"


ACTION_LABELS: dict[str, str] = {
    UNIT_CREATE: "新建单位",
    UNIT_UPDATE: "修改单位",
    UNIT_DENOMINATOR: "修改年度基数",
    UNIT_IMPORT: "导入组织机构",
    USER_CREATE: "新增用户",
    USER_SET_PASSWORD: "修改密码",
    USER_ACTIVATE: "启用用户",
    USER_DEACTIVATE: "停用用户",
    USER_UNLOCK: "解除登录锁定",
    USER_IMPORT: "批量导入用户",
    USER_TOKEN_ISSUE: "签发API令牌",
    USER_TOKEN_REVOKE: "作废API令牌",
    CHILD_REGISTER: "登记儿童",
    CHILD_REGISTER_REFUSED: "拒绝登记（身份证号已在其他辖区登记）",
    CHILD_UPDATE: "修改儿童信息",
    CHILD_CONSENT: "签订知情同意书",
    CHILD_ASSESSMENT: "医生评估",
    CHILD_MERGE: "合并重复登记",
    CHILD_TRANSFER: "村间转移",
    CHILD_MOVE_OUT: "迁出",
    CHILD_MOVE_IN: "迁入",
    CHILD_DEATH: "登记死亡",
    COLLECTION_CREATE: "发放营养包",
    FOLLOWUP_CREATE: "填写随访卡",
    FORCE_MAJEURE_DECLARE: "认定不可抗力",
    IMPORT_CHILDREN: "导入儿童登记",
    IMPORT_COLLECTIONS: "导入营养包发放登记",
    IMPORT_FOLLOWUPS: "导入个案随访",
    EXPORT_CHILDREN: "导出儿童登记",
    EXPORT_COLLECTIONS: "导出营养包发放登记",
    EXPORT_FOLLOWUPS: "导出个案随访",
    EXPORT_WORKLIST: "导出随访提醒名单",
    API_READ_CHILDREN: "通过接口读取儿童信息",
    API_READ_COLLECTIONS: "通过接口读取营养包发放登记",
    API_READ_FOLLOWUPS: "通过接口读取个案随访",
    API_READ_STOCK_LEDGER: "通过接口读取出入库台账",
    CHILD_REVEAL: "查看完整身份证号和电话",
    BENEFIT_FAMILY_REGISTER: "登记计生家庭",
    BENEFIT_FAMILY_REGISTER_REFUSED: "拒绝登记计生家庭（身份证号已登记）",
    BENEFIT_DECLARE: "奖扶特扶申报",
    BENEFIT_VILLAGE_CHECK: "奖扶特扶村初审",
    BENEFIT_TOWNSHIP_REVIEW: "奖扶特扶乡镇审核",
    BENEFIT_APPROVE: "奖扶特扶县审批",
    BENEFIT_RETURN: "奖扶特扶退回",
    BENEFIT_REVEAL: "查看扶助对象完整身份证号和银行账号",
    EXPORT_BENEFIT_ROSTER: "导出奖扶特扶名册",
    BENEFIT_NOTICE: "发布奖扶特扶公示",
    BENEFIT_OBJECTION: "登记公示异议",
    BENEFIT_OBJECTION_RESOLVE: "处理公示异议",
    BENEFIT_EXIT: "奖扶特扶对象退出",
    BENEFIT_CARRY_FORWARD: "生成下一年度名册",
    BENEFIT_BATCH_CREATE: "生成兑现批次",
    BENEFIT_BATCH_RETURN: "读入银行回盘文件",
    BENEFIT_PAYMENT_FOLLOW_UP: "跟进发放失败",
    EXPORT_BENEFIT_PAYMENT_FILE: "导出一卡通代发文件",
    EXPORT_BENEFIT_NOTICE: "打印公示名单",
    API_READ_BENEFIT_ENROLMENTS: "通过API读取奖扶特扶名册",
    BENEFIT_LIST_IMPORT: "导入部门比对名单",
    BENEFIT_LIST_PURGE: "删除到期的部门比对名单",
    BENEFIT_WORK_ITEM_RESOLVE: "处理比对待办",
    TRAINING_CREATE: "登记培训",
    TRAINING_UPDATE: "修改培训",
    TRAINING_WITHDRAW: "撤销培训",
    EDUCATION_CREATE: "登记健康教育活动",
    EDUCATION_UPDATE: "修改健康教育活动",
    EDUCATION_WITHDRAW: "撤销健康教育活动",
    INSPECTION_PLAN_CREATE: "制定检查方案",
    INSPECTION_RECORD: "登记督导检查",
    INSPECTION_WITHDRAW: "撤销检查记录",
    FINDING_CREATE: "列入整改问题",
    NOTICE_ISSUE: "下发整改通知书",
    NOTICE_RECEIPT: "确认收到整改通知书",
    FINDING_REPLY: "整改反馈",
    FINDING_RETURN: "复查退回整改",
    FINDING_RECHECK: "整改复查通过",
    FINDING_CLOSE: "整改销号",
    FINDING_ESCALATE: "整改问题升级处理",
    FINDING_CASE_CLOSE: "整改问题结案",
    EXPORT_NOTICE: "导出整改通知书",
    EXPORT_RECTIFICATION: "导出整改清单",
    BULLETIN_ISSUE: "下发考核通报",
    DISPATCH_CREATE: "布置调度任务",
    DISPATCH_PROGRESS: "报告调度任务进展",
    BULLETIN_READ: "确认已阅考核通报",
    EXPORT_BULLETIN: "导出考核通报",
    STOCK_ISSUE: "发放出库",
    STOCK_ISSUE_REVERSE: "冲正发放出库",
    STOCK_RECEIPT: "入库",
    STOCK_TRANSFER_SEND: "调拨发出",
    STOCK_TRANSFER_CONFIRM: "确认调拨接收",
    STOCK_LOSS: "报损",
    STOCK_STOCKTAKE: "盘点",
    STOCK_REVERSE: "冲正出入库记录",
    STOCK_STORAGE_CHECK: "温湿度登记",
    STOCK_ALLOCATION_PROPOSE: "生成分配计划建议",
    STOCK_ALLOCATION_UPDATE: "修改分配计划",
    STOCK_EXPORT: "导出出入库台账",
    REPORT_VALUE: "修改报表数值",
    REPORT_SUBMIT: "提交报表",
    REPORT_APPROVE: "审核通过",
    REPORT_RETURN: "退回报表",
    REPORT_MISSING: "标记缺报",
    REPORT_OVERRIDE: "修正汇总数",
    REPORT_IMPORT: "导入报表",
    REPORT_DHIS2_IMPORT: "导入DHIS2数据",
    EXPORT_DHIS2: "导出DHIS2数据",
    EXPORT_REPORT: "导出报表",
    TARGET_SET: "设定目标",
    EXPORT_INDICATORS: "导出指标表",
    SUMMARY_CREATE: "生成工作总结",
    SUMMARY_SAVE: "修改工作总结",
    SUMMARY_REFRESH: "更新工作总结数据",
    SUMMARY_APPROVE: "审定工作总结",
    SUMMARY_REOPEN: "退回工作总结修改",
    EXPORT_SUMMARY: "导出工作总结",
    EXPORT_QUARTERLY: "导出季度分析",
    JOB_START: "提交后台任务",
    JOB_FINISH: "后台任务完成",
    JOB_FAIL: "后台任务失败",
    JOB_RETRY: "重试后台任务",
    DEMO_LOAD: "加载演示数据",
    DEMO_HISTORY: "加载演示台账",
    DEMO_STOCK_HISTORY: "加载演示库存台账",
    DEMO_REPORTS: "加载演示月报",
    **{ENTRY_CORRECT[kind]: f"更正{name}" for kind, name in _ENTRY_NAMES.items()},
    **{ENTRY_CANCEL[kind]: f"撤销{name}" for kind, name in _ENTRY_NAMES.items()},
    DEMO_SUPERVISION: "加载演示督导检查与整改",
}


def label_of(code: str) -> str:
    """The action in words (Chinese); an unknown code is shown as it is."""
    return ACTION_LABELS.get(code, code)
