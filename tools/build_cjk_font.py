"""Builds the CJK font shipped inside the yima package (``src/yima/assets/fonts``).

ReportLab embeds only TrueType (glyf) outlines, not CFF, so the source is Google Fonts' Noto Sans
SC, a TrueType variable font under the SIL Open Font License 1.1 (as shipped on PyPI by
``justmytype-intl-cjk``: ``pip download --no-deps justmytype-intl-cjk`` and unzip). This script
fixes its weight at Regular (400) with ``fontTools.varLib.instancer`` and keeps the characters
Yima draws: printable ASCII and Latin-1, general and CJK punctuation, full-width forms, every
character of GB 2312 and GBK (21,003 hanzi, enough for enterprise and personal names), and every
character found in the package's own sources (templates, catalogues, the matter standard).

    python tools/build_cjk_font.py 'NotoSansSC[wght].ttf' src/yima/assets/fonts/NotoSansSC-Yima.ttf

The family is renamed "Noto Sans SC Yima" (the OFL's Reserved Font Name is "Source"; a modified
font keeps the licence, shipped beside it as OFL.txt).
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer

ROOT = Path(__file__).resolve().parents[1]
FAMILY = "Noto Sans SC Yima"
POSTSCRIPT = "NotoSansSCYima-Regular"


def double_byte(codec: str, lead: range, trail: range) -> set[int]:
    chars: set[int] = set()
    for hi in lead:
        for lo in trail:
            try:
                text = bytes([hi, lo]).decode(codec)
            except UnicodeDecodeError:
                continue
            chars.update(ord(c) for c in text)
    return chars


def wanted() -> set[int]:
    chars = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    chars |= set(range(0x2000, 0x2070)) | set(range(0x2100, 0x2200)) | set(range(0x2460, 0x2500))
    chars |= set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0)) | {0x25CB, 0x25CF, 0x2605, 0x2606}
    chars |= double_byte("gb2312", range(0xA1, 0xF8), range(0xA1, 0xFF))
    chars |= double_byte("gbk", range(0x81, 0xFF), range(0x40, 0xFF))
    for path in (ROOT / "src" / "yima").rglob("*"):
        if path.suffix in {".py", ".html", ".po", ".toml", ".csv", ".json", ".md"}:
            chars |= {ord(c) for c in path.read_text(encoding="utf-8", errors="ignore")}
    return {c for c in chars if c >= 0x20}


def build(source: Path, target: Path) -> None:
    font = TTFont(source)
    font = instancer.instantiateVariableFont(font, {"wght": 400}, updateFontNames=False)
    options = subset.Options()
    options.layout_features = ["kern", "palt", "vert"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.drop_tables += ["STAT", "BASE", "vhea", "vmtx"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted())
    subsetter.subset(font)
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 16):
            record.string = FAMILY
        elif record.nameID in (2, 17):
            record.string = "Regular"
        elif record.nameID == 4:
            record.string = f"{FAMILY} Regular"
        elif record.nameID == 6:
            record.string = POSTSCRIPT
        elif record.nameID == 3:
            record.string = f"{POSTSCRIPT};subset for Yima"
    font["OS/2"].usWeightClass = 400
    target.parent.mkdir(parents=True, exist_ok=True)
    font.save(target)
    print(f"{target}: {target.stat().st_size:,} bytes, {len(font.getBestCmap()):,} characters")


if __name__ == "__main__":
    build(Path(sys.argv[1]), Path(sys.argv[2]))
