"""Translation catalogues (Babel/gettext). Simplified Chinese is the default language.

Message ids are English; the ``.po`` files in ``locales/zh_Hans/LC_MESSAGES/`` hold the Chinese:
``messages.po`` for the core, and one file per later feature (``observers.po``, …) so that features
keep their words apart. They are read as one catalogue, compiled in memory at start-up, so no
build step is needed.
"""

from __future__ import annotations

import gettext
import io
from functools import lru_cache
from importlib import resources

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = {"zh": "zh_Hans", "en": "en"}
DEFAULT = "zh"


@lru_cache
def translations(lang: str) -> gettext.NullTranslations:
    if LOCALES.get(lang) != "zh_Hans":
        return gettext.NullTranslations()
    folder = resources.files("yima.web").joinpath("locales", "zh_Hans", "LC_MESSAGES")
    catalog = Catalog(locale="zh_Hans_CN", project="yima")
    for po in sorted((entry for entry in folder.iterdir() if entry.name.endswith(".po")), key=lambda e: e.name):
        with po.open("rb") as handle:
            for message in read_po(handle, locale="zh_Hans_CN"):
                if message.id and message.string:
                    catalog[message.id] = message
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
