"""Password policy (等保 level 3): complexity (three of upper case, lower case, digits and symbols), no
common or Chinese-pattern password (product name, keyboard walks, digit runs, 520/1314, a pinyin name
with a year), not the username, and none of the last five passwords (``PasswordHistory``)."""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class ComplexityValidator:
    required_classes = 3

    def validate(self, password: str, user=None) -> None:
        classes = [
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(c in string.punctuation or not c.isalnum() for c in password),
        ]
        if sum(classes) < self.required_classes:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、符号中的至少三类"), code="password_not_complex"
            )

    def get_help_text(self) -> str:
        return _("密码须包含大写字母、小写字母、数字、符号中的至少三类")


# Words a password must not be built on: the product, the workplace, the obvious. A password whose
# letters are only one of these (``Jiceng@2026``, ``Weisheng@2026``), or the product name and one of
# these or a pinyin name (``Jiceng@Admin1``), is refused; the product name with a word of one's own
# is not (the demo password ``Jiceng@2026demo``, published in the README, is set by the demo loader).
PRODUCT_NAMES = ("jiceng", "jicengweijiantong", "weijiantong", "jicengtong")
PRODUCT_NAMES_CN = ("基层", "卫健通")
BASE_WORDS = {
    "admin", "administrator", "root", "test", "user", "guest", "welcome", "pass", "passwd", "password",
    "qwerty", "abc", "abcd", "abcde", "love", "iloveyou", "woaini", "china", "zhongguo", "beijing", "guizhou",
    "qiannan", "weijian", "weisheng", "weishengyuan", "yiyuan", "jiankang", "fuyou", "fuyoubaojian", "cunyi",
    "yisheng", "hushi", "huawei", "baidu", "tencent", "weixin", "wechat", "qq", "aaa", "asd", "zxc", "qwe",
}  # fmt: skip
# Sequences no password may contain: keyboard walks, digit runs, "I love you" in numbers.
FORBIDDEN_PARTS = (
    "qwert", "werty", "asdfg", "sdfgh", "zxcvb", "xcvbn", "1qaz", "2wsx", "3edc", "qazwsx", "1q2w3e", "q1w2e3",
    "123qwe", "qweasd", "password", "passw0rd", "p@ssw0rd", "woaini", "iloveyou", "5201314", "1314520",
    "123456", "234567", "345678", "456789", "567890", "098765", "987654", "876543", "765432", "654321",
    "abc123", "a1b2c3",
)  # fmt: skip
# The most common pinyin surnames and given names: "Zhangwei@1990", "Wang@19851012", "Lina2026!".
SURNAMES = {
    "wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun", "ma", "zhu", "hu",
    "guo", "he", "gao", "lin", "luo", "zheng", "liang", "xie", "song", "tang", "han", "feng", "deng", "cao",
    "peng", "zeng", "xiao", "tian", "dong", "yuan", "pan", "cai", "jiang", "yu", "du", "ye", "cheng", "wei",
    "su", "lu", "ding", "ren", "shen", "yao", "jin", "fu", "zhong", "cui", "tan", "liao", "fan", "wan", "shi",
    "long", "ou", "ouyang", "mo", "qin", "kong", "bai", "meng", "qiu", "xiong", "hao", "gu", "mao", "xue", "lei",
}  # fmt: skip
GIVEN_NAMES = {
    "wei", "fang", "na", "min", "jing", "li", "xiuying", "xiulan", "qiang", "lei", "yang", "yan", "yong", "jun",
    "jie", "juan", "tao", "chao", "ming", "xia", "gang", "ping", "hua", "hong", "ling", "bin", "hui", "dan",
    "ying", "lin", "feng", "hao", "bo", "yu", "xin", "lan", "mei", "ting", "ning", "peng", "fei", "hai",
    "jian", "jia", "kai", "long", "lu", "shan", "tingting", "xiaoming", "xiaohong", "haiyan", "guiying",
    "guilan", "jianhua", "jianguo", "jianjun", "zhiqiang", "dandan", "lili", "jingjing", "yanyan", "wenjie",
}  # fmt: skip
_LEET = str.maketrans({"@": "a", "0": "o", "$": "s", "!": "i", "1": "l", "3": "e", "5": "s"})


def _letters(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalpha())


def _is_pinyin_name(letters: str) -> bool:
    for surname in SURNAMES:
        if letters == surname:
            return True
        if letters.startswith(surname):
            rest = letters[len(surname) :]
            if rest in GIVEN_NAMES or any(rest.startswith(a) and rest[len(a) :] in GIVEN_NAMES for a in GIVEN_NAMES):
                return True
    return False


def _is_weak_word(letters: str) -> bool:
    return not letters or letters in BASE_WORDS or letters in PRODUCT_NAMES or _is_pinyin_name(letters)


def _has_run(text: str, length: int = 5) -> bool:
    """The same character five times in a row (``11111``, ``aaaaa``)."""
    return any(text[i] * length == text[i : i + length] for i in range(len(text) - length + 1))


class CommonPatternValidator:
    """Refuses the passwords people in a county office guess first: the product name, keyboard walks,
    digit runs, 520/1314 numbers, a common word or a pinyin name with a year or symbols added."""

    message = gettext_lazy("密码过于常见（如产品名称、键盘顺序、连续数字或拼音姓名加年份），请换一个")

    def validate(self, password: str, user=None) -> None:
        lowered = password.lower()
        decoded = lowered.translate(_LEET)
        letters = _letters(password)
        if (
            any(part in lowered or part in decoded for part in FORBIDDEN_PARTS)
            or any(name in password for name in PRODUCT_NAMES_CN)
            or _has_run(lowered)
            or not letters
            or _is_weak_word(letters)
            or any(_is_weak_word(letters.replace(name, "", 1)) for name in PRODUCT_NAMES if name in letters)
        ):
            raise ValidationError(self.message, code="password_too_common")

    def get_help_text(self) -> str:
        return _("不能使用常见密码、键盘顺序、连续数字或拼音姓名加年份")


class UsernameValidator:
    """The password must not contain the username (``cunyi@Cunyi2026``), forwards or backwards."""

    def validate(self, password: str, user=None) -> None:
        username = (getattr(user, "username", "") or "").lower()
        if len(username) < 3:
            return
        lowered, name_letters = password.lower(), _letters(username)
        contains = username in lowered or username[::-1] in lowered
        contains = contains or (len(name_letters) >= 3 and name_letters in _letters(password))
        if contains:
            raise ValidationError(_("密码不能包含用户名"), code="password_contains_username")

    def get_help_text(self) -> str:
        return _("密码不能包含用户名")


class HistoryValidator:
    """Not the current password, nor any of the last five (``PasswordHistory``)."""

    def validate(self, password: str, user=None) -> None:
        from django.contrib.auth.hashers import check_password

        from jiceng.accounts.models import PasswordHistory

        if user is None or getattr(user, "pk", None) is None:
            return
        stored = type(user).objects.filter(pk=user.pk).values_list("password", flat=True).first()
        hashes = [stored] if stored else []
        hashes += list(
            PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[: PasswordHistory.KEEP]
        )
        for encoded in dict.fromkeys(hashes):
            if check_password(password, encoded):
                raise ValidationError(
                    _("新密码不能与当前密码或最近%(n)d次使用过的密码相同") % {"n": PasswordHistory.KEEP},
                    code="password_reused",
                )

    def password_changed(self, password: str, user=None) -> None:
        from jiceng.accounts.models import PasswordHistory

        if user is None or getattr(user, "pk", None) is None or not user.password:
            return
        PasswordHistory.objects.create(user_id=user.pk, password=user.password)
        stale = PasswordHistory.objects.filter(user_id=user.pk).values_list("pk", flat=True)[PasswordHistory.KEEP :]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()

    def get_help_text(self) -> str:
        return _("不能与最近%(n)d次使用过的密码相同") % {"n": 5}
