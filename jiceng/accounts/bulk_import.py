"""Bulk import of users (批量导入用户) from an .xlsx or .csv file.

Columns (found by their headers, in any order): 用户名, 姓名, 角色, 单位代码, and optionally
手机号 and 初始密码. A blank 初始密码 gets a generated one that meets the complexity rules; the
generated passwords are shown once, to the importer, and never stored in clear.

All or nothing, like every import: each row is checked first — username format and duplicates (in
the file and in the system), the unit (which must lie in the importer's subtree; a unit outside is
"不存在或不在您的管辖范围内", whether or not it exists), the role against the unit's level, the
phone number, the password rules — and nothing is saved unless every row is valid. Then every row
goes through :func:`jiceng.accounts.actions.create_user` (argon2 hash, its own ``user.create`` audit
row) in one transaction; the import itself is logged as ``user.import`` with its counts.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from jiceng.accounts import access, actions
from jiceng.accounts.models import Role, User
from jiceng.audit import actions_catalog
from jiceng.audit.recorder import record
from jiceng.documents.excel import (
    CHOICE,
    XLSX_MIMETYPE,
    CellError,
    Column,
    ImportOutcome,
    ImportReport,
    Row,
    RowError,
    RowRejected,
    SheetSpec,
    build_template,
    check_rows,
    run_import,
)
from jiceng.documents.files import RenderedFile
from jiceng.documents.upload import read_table
from jiceng.orgunits.importing import parse_division_code
from jiceng.orgunits.models import Level, OrgUnit

TITLE = "用户"
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2_000  # every row is an argon2 hash (about a tenth of a second): a county has a few hundred users
_USERNAME = re.compile(r"^[\w.@+-]+$")
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_PHONE_SEPARATORS = str.maketrans("", "", " -\u3000\u00a0")
# Generated passwords avoid look-alike characters (I/l/1, O/0), as they are read out or written down.
_UPPER, _LOWER, _DIGITS, _SYMBOLS = "ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnpqrstuvwxyz", "23456789", "@#%+=?"
GENERATED_LENGTH = 12


def _parse_username(value) -> str:
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()
    if len(text) > 150:
        raise CellError("不能超过150个字符")
    if not _USERNAME.match(text):
        raise CellError(f"“{text[:30]}”含有不允许的字符：只能使用字母、数字、汉字和 @ . + - _")
    return text


def _parse_unit_code(value) -> str:
    code, _level = parse_division_code(value)
    return code


def _parse_phone(value) -> str:
    text = str(int(value)) if isinstance(value, int | float) and float(value).is_integer() else str(value)
    text = text.translate(_PHONE_SEPARATORS)
    if text.startswith("+86"):
        text = text[3:]
    if not _MOBILE.match(text):
        raise CellError(f"应为11位手机号（1开头），实际为“{str(value)[:20]}”")
    return text


def _parse_password(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)  # spaces are part of a password: not stripped


USERNAME = Column(
    "用户名",
    "username",
    required=True,
    parser=_parse_username,
    help="登录用的账号：字母、数字、汉字和 @ . + - _，不超过150个字符；不能与已有用户重复",
    example="cunyi_dazhai",
    width=16,
)
FULL_NAME = Column("姓名", "full_name", required=True, max_length=50, example="王村医", width=12)
ROLE = Column(
    "角色",
    "role",
    CHOICE,
    required=True,
    choices=tuple((str(label), value) for value, label in Role.choices),
    help="从下拉列表选择；村医属于村级单位，卫生院项目管理员和审核人属于乡级单位，"
    "县妇幼保健中心、县卫健局属于县级单位（填县妇幼保健中心或县卫生健康局的代码）",
    example="村医",
    width=16,
)
UNIT = Column(
    "单位代码",
    "unit_code",
    required=True,
    parser=_parse_unit_code,
    help="所属单位的统计用区划代码（12位，或系统中的6/9位代码），见“单位与角色”工作表",
    example="522799100201",
    width=16,
    aliases=("unit",),
    labels=("单位",),
)
PHONE = Column("手机号", "phone", parser=_parse_phone, help="选填，11位手机号", example="13812345678", width=14)
PASSWORD = Column(
    "初始密码",
    "password",
    parser=_parse_password,
    help="选填；留空则由系统生成并在导入后显示一次。至少10位，须含大写字母、小写字母、数字、符号中的至少三类",
    width=16,
    labels=("密码",),
)
COLUMNS = (USERNAME, FULL_NAME, ROLE, UNIT, PHONE, PASSWORD)
ALIASES = {
    "账号": USERNAME.header,
    "登录名": USERNAME.header,
    "所属单位代码": UNIT.header,
    "统计用区划代码": UNIT.header,
    "手机": PHONE.header,
    "手机号码": PHONE.header,
    "电话": PHONE.header,
    "密码": PASSWORD.header,
}
INSTRUCTIONS = (
    "每行一个用户。列可以调换顺序，选填的列可以删除；也可上传 .csv 文件（第1行为列名，UTF-8 或 GBK 编码）。",
    "初始密码留空时由系统生成，导入成功后只显示一次，请立即转交本人并提醒其登录后修改。",
    "只能为您管辖范围内的单位创建用户；角色须与单位的层级相符。",
    f"文件不超过 {MAX_BYTES // 1024 // 1024} MB、{MAX_ROWS} 行。",
)
TEMPLATE_SPEC = SheetSpec(TITLE, COLUMNS, instructions=INSTRUCTIONS, max_rows=MAX_ROWS)


@dataclass(frozen=True)
class CreatedUser:
    row: int
    username: str
    full_name: str
    role: str
    unit: OrgUnit
    generated_password: str | None  # shown once to the importer; None when the file gave one


@dataclass
class UserImportResult(ImportOutcome):
    created: list[CreatedUser] = field(default_factory=list)

    def done(self) -> str:
        generated = sum(1 for c in self.created if c.generated_password)
        return _("用户导入完成：新建 %(c)d 个用户（其中 %(g)d 个的初始密码由系统生成）") % {
            "c": len(self.created),
            "g": generated,
        }


def generate_password(user: User | None = None) -> str:
    """A random password meeting every password validator (all four character classes)."""
    alphabet = _UPPER + _LOWER + _DIGITS + _SYMBOLS
    while True:
        chars = [secrets.choice(group) for group in (_UPPER, _LOWER, _DIGITS, _SYMBOLS)]
        chars += [secrets.choice(alphabet) for _ in range(GENERATED_LENGTH - len(chars))]
        secrets.SystemRandom().shuffle(chars)
        password = "".join(chars)
        try:
            validate_password(password, user)
        except ValidationError:
            continue
        return password


def import_users(user, source, *, filename: str = "") -> UserImportResult:
    """批量导入用户: all or nothing, through ``create_user``; see the module docstring."""
    access.require(user, "users.manage", _("只有系统管理员可以导入用户"))
    root = access.scope_root(user)
    table = read_table(
        COLUMNS, source, title=TITLE, filename=filename, aliases=ALIASES, max_bytes=MAX_BYTES, max_rows=MAX_ROWS
    )
    spec, read = table.spec, table.read
    result = UserImportResult(report=ImportReport(rows=len(read.rows), saved=0, errors=[]))

    usernames = {row.values.get("username") for row in read.rows} - {None, ""}
    unit_codes = {row.values.get("unit_code") for row in read.rows} - {None, ""}
    taken = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    units = {u.code: u for u in access.visible_units(user).filter(code__in=unit_codes)}
    seen: dict[str, int] = {}

    def check(row: Row) -> None:
        v = row.values
        username = v["username"]
        if username in seen:
            raise RowRejected(_("与第%(n)d行的用户名重复") % {"n": seen[username]}, "username")
        seen[username] = row.number
        if username in taken:
            raise RowRejected(_("用户名 %(u)s 已存在") % {"u": username}, "username")
        unit = units.get(v["unit_code"])
        if unit is None:
            raise RowRejected(
                _("单位代码 %(code)s 不存在或不在您的管辖范围内（您的范围：%(root)s %(root_code)s）")
                % {"code": v["unit_code"], "root": root.name, "root_code": root.code},
                "unit_code",
            )
        levels = access.ROLE_LEVELS[v["role"]]
        if unit.level not in levels:  # worded here with the levels' names (validate_role_unit shows their codes)
            raise RowRejected(
                _("%(role)s只能属于%(levels)s级单位，“%(unit)s”是%(level)s")
                % {
                    "role": Role(v["role"]).label,
                    "levels": "/".join(str(Level(level).label) for level in levels),
                    "unit": unit.name,
                    "level": unit.get_level_display(),
                },
                "unit_code",
            )
        actions.validate_role_unit(v["role"], unit)
        v["unit"] = unit
        probe = User(username=username, full_name=v["full_name"], role=v["role"], unit=unit, phone=v["phone"])
        if v["password"]:
            try:
                validate_password(v["password"], probe)
            except ValidationError as exc:
                raise ValidationError({"password": exc.messages}) from None
            v["generated"] = None
        else:
            v["generated"] = generate_password(probe)

    def save(row: Row) -> None:
        v = row.values
        actions.create_user(
            username=v["username"],
            password=v["password"] or v["generated"],
            full_name=v["full_name"],
            role=v["role"],
            unit=v["unit"],
            phone=v["phone"],
            acting_user=user,
        )
        result.created.append(
            CreatedUser(row.number, v["username"], v["full_name"], v["role"], v["unit"], v["generated"])
        )

    check_rows(spec, read, check)
    if read.errors:  # not one password is hashed for a file that will be refused
        report = ImportReport(rows=len(read.rows), saved=0, errors=sorted(read.errors, key=_error_order))
    else:
        report = run_import(spec, read, save, row_savepoint=False)
        if not report.ok:
            result.created = []
    result.report = report
    record(
        actor=user,
        action=actions_catalog.USER_IMPORT,
        object_type="accounts.import",
        object_repr=f"用户导入 {filename}"[:200],
        unit=root,
        after={"rows": report.rows, "created": len(result.created), "errors": len(report.errors)},
    )
    return result


def _error_order(error: RowError) -> tuple:
    return (error.row or 0, error.letter.rjust(3))


def render_template(user) -> RenderedFile:
    """The import template, with the units the user may create users in and the roles each level takes."""
    units = access.visible_units(user).order_by("path")
    by_level: dict[str, list[str]] = {}
    for role, levels in access.ROLE_LEVELS.items():
        for level in levels:
            by_level.setdefault(level, []).append(str(Role(role).label))
    rows = ((u.code, u.name, u.get_level_display(), "、".join(by_level.get(u.level, []))) for u in units[:20000])
    data = build_template(TEMPLATE_SPEC, reference=("单位与角色", ("单位代码", "名称", "层级", "可设角色"), rows))
    return RenderedFile("用户导入模板.xlsx", XLSX_MIMETYPE, data)
