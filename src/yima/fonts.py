"""Finds the CJK font used to draw Chinese text into PDFs and images.

ReportLab embeds only TrueType-outline (glyf) fonts, so Yima ships one inside the package: Noto
Sans SC cut to GB 2312, GBK and Yima's own texts (``yima/assets/fonts``, SIL Open Font License,
rebuilt by ``tools/build_cjk_font.py``). The setting ``YIMA_CJK_FONT`` overrides it; a system font
(WenQuanYi Zen Hei, Debian's ``fonts-wqy-zenhei``) is used only when the packaged file is absent.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from yima.config import get_settings
from yima.errors import MissingPart

PACKAGED = "NotoSansSC-Yima.ttf"
SYSTEM_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/arphic/uming.ttc"),
)
INSTALL_HINT = ("reinstall Yima (pip install -e .) to restore its bundled font, "
                "or set YIMA_CJK_FONT to a TrueType CJK font")


class FontMissing(MissingPart):
    """No usable CJK font: the installation is missing a part (the web layer answers 503)."""

    def __init__(self, en: str) -> None:
        super().__init__("cjk_font", "缺少中文字体（CJK TrueType），无法生成营业执照 PDF 和印章图像", en, INSTALL_HINT)


def packaged_font_path() -> Path:
    return Path(str(resources.files("yima").joinpath("assets", "fonts", PACKAGED)))


@lru_cache
def cjk_font_path() -> Path:
    configured = get_settings().cjk_font
    if configured is not None:
        if not configured.is_file():
            raise FontMissing(f"YIMA_CJK_FONT points to {configured}, which does not exist")
        return configured
    for path in (packaged_font_path(), *SYSTEM_CANDIDATES):
        if path.is_file():
            return path
    raise FontMissing(f"no TrueType CJK font found (the bundled {PACKAGED} is missing)")
