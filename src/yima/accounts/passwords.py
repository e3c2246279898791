"""The password rule (ASVS 5.0 6.2): at least 8 characters, at most 128, not the username, and
not one of the 10,000 most common passwords (``data/common_passwords.txt``, shipped with Yima).

Pure data and a function; the service checks every new password with it (an administrator
setting one, a user changing their own)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from yima.errors import DomainError

MIN_LENGTH = 8
MAX_LENGTH = 128
COMMON_FILE = Path(__file__).with_name("data") / "common_passwords.txt"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_FILE.read_text("utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def check_password(password: str, username: str = "", field: str = "password") -> None:
    """Refuse a password that breaks the rule, naming which part (``user.password``…)."""
    if len(password) < MIN_LENGTH:
        raise DomainError("user.password", field, f"密码至少 {MIN_LENGTH} 位",
                          f"The password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise DomainError("user.password_too_long", field, f"密码至多 {MAX_LENGTH} 位",
                          f"The password may have at most {MAX_LENGTH} characters")
    if username and password.strip().lower() == username.strip().lower():
        raise DomainError("user.password_is_username", field, "密码不能与用户名相同",
                          "The password must not be the username")
    if password.strip().lower() in common_passwords():
        raise DomainError("user.password_common", field, "该密码过于常见，容易被猜中，请换一个",
                          "This password is among the most common ones and easily guessed; choose another")
