"""The password policy (等保2.0 身份鉴别): length, character classes, no user name, none of the last N.

Each validator reads its number from settings when it runs, not when Django builds it (Django keeps the built
validators for the life of the process), so a changed setting takes effect at once.
"""

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit import services as audit

from .models import PasswordHistory

CLASSES = ("小写字母", "大写字母", "数字", "符号")


def _classes(password: str) -> set[str]:
    found = set()
    for char in password:
        if "a" <= char <= "z":
            found.add("小写字母")
        elif "A" <= char <= "Z":
            found.add("大写字母")
        elif char.isdigit():
            found.add("数字")
        else:
            found.add("符号")  # punctuation, spaces, Chinese characters
    return found


class MinimumLengthValidator:
    """At least PASSWORD_MIN_LENGTH characters."""

    def validate(self, password: str, user=None) -> None:
        length = settings.PASSWORD_MIN_LENGTH
        if len(password) < length:
            raise ValidationError(
                f"密码太短：至少需要 {length} 个字符。",
                code="password_too_short",
                params={"min_length": length},
            )

    def get_help_text(self) -> str:
        return f"至少 {settings.PASSWORD_MIN_LENGTH} 个字符。"


class CharacterClassValidator:
    """At least `min_classes` of the four classes: lower case, upper case, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        if len(_classes(password)) < self.min_classes:
            raise ValidationError(
                f"密码须包含小写字母、大写字母、数字、符号中的至少 {self.min_classes} 类。",
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return f"包含小写字母、大写字母、数字、符号中的至少 {self.min_classes} 类。"


class UsernameValidator:
    """The password does not contain the user name, in any case (a name shorter than 3 characters is too
    common a fragment to forbid)."""

    def validate(self, password: str, user=None) -> None:
        username = (user.get_username() if user is not None else "") or ""
        if len(username) >= 3 and username.casefold() in password.casefold():
            raise ValidationError("密码不能包含用户名。", code="password_contains_username")

    def get_help_text(self) -> str:
        return "不能包含用户名。"


class PasswordHistoryValidator:
    """None of the last PASSWORD_HISTORY_COUNT passwords; records each new one and when it was set.

    Django calls `password_changed` after every save of a user whose password was set with set_password: the
    change page, the admin's add-user and set-password pages, `manage.py changepassword`. `create_user` and
    `createsuperuser` assign the hash directly (as does the demo seeder): nothing is recorded, and the password
    counts from the day the account joined.
    """

    def validate(self, password: str, user=None) -> None:
        count = settings.PASSWORD_HISTORY_COUNT
        if count <= 0 or user is None or user.pk is None:
            return  # a user being created has no history
        if any(check_password(password, encoded) for encoded in recent_hashes(user, count)):
            raise ValidationError(f"不能使用最近 {count} 次用过的密码。", code="password_reused")

    def password_changed(self, password: str, user=None) -> None:
        if user is not None and user.pk is not None:
            record_password(user)

    def get_help_text(self) -> str:
        count = settings.PASSWORD_HISTORY_COUNT
        return f"不能与最近 {count} 次用过的密码相同。" if count > 0 else ""


def recent_hashes(user, count: int) -> list[str]:
    """The hashes of the user's last `count` passwords, the current one first."""
    hashes = list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[:count])
    if user.password and user.password not in hashes:  # a password set before history was kept
        hashes = [user.password, *hashes][:count]
    return hashes


def record_password(user) -> None:
    """Keep the new hash (only the last PASSWORD_HISTORY_COUNT) and restart the password's age."""
    now = timezone.now()
    keep = max(settings.PASSWORD_HISTORY_COUNT, 0)
    if keep:
        PasswordHistory.objects.create(user=user, password=user.password, created_at=now)
    audit.record(
        kind=audit.Kind.PASSWORD_CHANGE, target=f"用户 {user.get_username()}"
    )  # by whom: the request's user
    older = list(PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[keep:])
    if older:
        PasswordHistory.objects.filter(pk__in=older).delete()
    # The user row was saved a moment ago by the caller; an UPDATE of one column does not save it again.
    type(user).objects.filter(pk=user.pk).update(password_changed_at=now)
    user.password_changed_at = now
