"""Text kept whole in two languages: a note, a reason, a history line (zh, en).

What Yima writes itself is written in both languages and stored as the pair, so a page shows the
side of its language whole — never cut at punctuation, which occurs inside sentences too. What a
person typed is stored once and shown as typed on both sides. Texts recorded before the pair
existed (``中文 / English`` in one string) are read back with ``legacy_words``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


@dataclass(frozen=True)
class Words:
    zh: str
    en: str

    @classmethod
    def typed(cls, text: str) -> Words:
        """Text a person typed, in whatever language: the same on both sides."""
        return cls(text, text)

    @classmethod
    def joined(cls, parts: list[Words]) -> Words:
        """Several texts as one, each language with its own separator."""
        return cls("；".join(p.zh for p in parts), "; ".join(p.en for p in parts))

    @property
    def text(self) -> str:
        """The one-string form of v1 fields (``reason``): ``中文 / English``, or the text typed."""
        return self.zh if self.zh == self.en else f"{self.zh} / {self.en}"

    def pick(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


def legacy_words(text: str) -> Words:
    """A text recorded as one string. Only an unambiguous ``中文 / English`` pair — one separator,
    Chinese before it and none after — is taken apart; anything else is kept whole on both sides
    (readable, never cut into fragments)."""
    if text.count(" / ") == 1:
        zh, _, en = text.partition(" / ")
        if _CJK.search(zh) and not _CJK.search(en):
            return Words(zh.strip(), en.strip())
    return Words.typed(text)
