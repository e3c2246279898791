"""Every text the pages show has its Simplified Chinese translation."""

from __future__ import annotations

import runpy
from pathlib import Path

from yima.web.i18n import pick_language, translations

TOOL = runpy.run_path(str(Path(__file__).resolve().parents[2] / "tools" / "i18n.py"))


def test_every_template_msgid_has_a_chinese_translation():
    zh = translations("zh")
    untranslated = [m for m in sorted(TOOL["template_msgids"]()) if zh.gettext(m) == m]
    assert untranslated == []


def test_chinese_is_the_default_and_english_is_a_switch():
    assert pick_language(None, None, None) == "zh"
    assert pick_language("en", "zh", None) == "en"
    assert pick_language(None, "en", None) == "en"
    assert pick_language(None, None, "en-GB,en;q=0.9") == "en"
    assert translations("zh").gettext("Sign in") == "登录"
    assert translations("en").gettext("Sign in") == "Sign in"


def test_msgids_marked_in_python_code_are_in_the_catalogue():
    from yima.stats.pages import LABELS, MEASURE_WORDS, _labels

    assert set(LABELS.values()) | set(MEASURE_WORDS.values()) <= TOOL["template_msgids"]()
    zh, en = _labels("zh"), _labels("en")
    assert (zh["channel"], en["channel"]) == ("办件渠道", "Channel of matters")
    assert (zh["unit_households"], en["unit_households"]) == ("户", "")
