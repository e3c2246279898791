"""What no log line may carry: an ID number, a mobile number (however written), a password.

The suite's session hooks (``conftest.py``) write every record of Yima's loggers — formatted as
production writes them (``yima.web.logs.JsonFormatter``, whose last filter masks ID and mobile
numbers it recognises) — from every test worker to files under the run's base temporary
directory, and at the end scan those and every ``yima serve`` log the run's tests left there;
a hit fails the run (issue 20, finding 6).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from factories import PASSWORD
from yima.demo.seed import DEMO_PASSWORD
from yima.errors import DomainError
from yima.identity import validate_id_number

_EDGE_BEFORE, _EDGE_AFTER = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
ID_NUMBER_18 = re.compile(_EDGE_BEFORE + r"\d{17}[\dXx]" + _EDGE_AFTER)
ID_NUMBER_15 = re.compile(_EDGE_BEFORE + r"\d{6}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}" + _EDGE_AFTER)
PHONE = re.compile(_EDGE_BEFORE + r"(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}" + _EDGE_AFTER)
PASSWORD_FIELD = re.compile(
    r"""["']?(?:password|current_password|new_password|passwd)["']?\s*[:=]\s*["']?(?!\*)[^\s"',}*]{3,}""",
    re.IGNORECASE)
#: The passwords the suite types (its accounts', the demo's, the wrong ones it tries).
KNOWN_PASSWORDS = (PASSWORD, DEMO_PASSWORD, "wrong-password", "My-S3cret-passw0rd!", "a-long-password", "nope-nope")


@dataclass(frozen=True)
class Hit:
    where: str
    kind: str
    text: str


def _valid_id(text: str) -> bool:
    try:
        validate_id_number(text)
    except DomainError:
        return False
    return True


def personal_data_in(line: str) -> list[tuple[str, str]]:
    """(kind, matched text) for each ID number, mobile number or password in ``line``."""
    found = [("id number", m[0]) for m in ID_NUMBER_18.finditer(line) if _valid_id(m[0])]
    found += [("id number (15 digits)", m[0]) for m in ID_NUMBER_15.finditer(line)]
    found += [("mobile number", m[0]) for m in PHONE.finditer(line)]
    found += [("password", m[0]) for m in PASSWORD_FIELD.finditer(line)]
    found += [("password", p) for p in KNOWN_PASSWORDS if p in line]
    return found


def scan(files: Iterable[Path]) -> list[Hit]:
    hits = []
    for path in files:
        for number, line in enumerate(path.read_text("utf-8", errors="replace").splitlines(), 1):
            hits += [Hit(f"{path}:{number}", kind, text) for kind, text in personal_data_in(line)]
    return hits
