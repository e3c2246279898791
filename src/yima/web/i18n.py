"""Translation catalogues (Babel/gettext). Simplified Chinese is the default language.

Message ids are English; ``locales/zh_Hans/LC_MESSAGES/messages.po`` holds the Chinese. The
catalogue is compiled in memory at start-up, so no build step is needed.
"""

from __future__ import annotations

import gettext
import io
from functools import lru_cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = {"zh": "zh_Hans", "en": "en"}
DEFAULT = "zh"


@lru_cache
def translations(lang: str) -> gettext.NullTranslations:
    if LOCALES.get(lang) != "zh_Hans":
        return gettext.NullTranslations()
    po = resources.files("yima.web").joinpath("locales", "zh_Hans", "LC_MESSAGES", "messages.po")
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="zh_Hans_CN")
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def N_(message: str) -> str:  # noqa: N802 - the name gettext tools know
    """Mark a msgid in Python code for the catalogue; it is translated where it is shown."""
    return message


def pick_language(query: str | None, cookie: str | None, accept: str | None) -> str:
    for candidate in (query, cookie):
        if candidate in LOCALES:
            return candidate
    if accept and accept.lower().startswith("en"):
        return "en"
    return DEFAULT
