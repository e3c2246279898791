"""Finds the CJK font used to draw Chinese text into PDFs and images.

ReportLab embeds only TrueType-outline fonts, so a TrueType CJK font (WenQuanYi Zen Hei, Debian's
``fonts-wqy-zenhei``) is preferred; the setting ``YIMA_CJK_FONT`` overrides the search.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from yima.config import get_settings

CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
)


class FontMissing(RuntimeError):
    pass


@lru_cache
def cjk_font_path() -> Path:
    configured = get_settings().cjk_font
    if configured is not None:
        if not configured.exists():
            raise FontMissing(f"YIMA_CJK_FONT points to {configured}, which does not exist")
        return configured
    for path in CANDIDATES:
        if path.exists():
            return path
    raise FontMissing("no TrueType CJK font found; install Debian's fonts-wqy-zenhei or set YIMA_CJK_FONT")
