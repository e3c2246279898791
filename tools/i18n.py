"""Catalogue upkeep: list the msgids the templates use, and merge Chinese translations into the .po file.

    python tools/i18n.py missing                  # msgids with no Chinese yet, in any catalogue file
    python tools/i18n.py merge FILE.py [NAME]     # FILE.py defines ZH = {msgid: 中文}; adds them to NAME.po
                                                  # (default messages.po; a feature keeps its own file)
"""

from __future__ import annotations

import re
import runpy
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1] / "src" / "yima"
FOLDER = ROOT / "web" / "locales" / "zh_Hans" / "LC_MESSAGES"
PO = FOLDER / "messages.po"
CALL = re.compile(r"""\b_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*[,)]""")
MARK = re.compile(r"""\bN_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")


def template_msgids() -> set[str]:
    """The msgids of the templates' ``_()`` calls and of the ``N_()`` marks in Python code."""
    found: set[str] = set()
    for pattern, files in ((CALL, ROOT.rglob("*.html")), (MARK, ROOT.rglob("*.py"))):
        for path in files:
            for match in pattern.finditer(path.read_text("utf-8")):
                found.add(match.group(1) if match.group(1) is not None else match.group(2))
    return found


def load(po: Path = PO) -> Catalog:
    if po.exists():
        with po.open("rb") as handle:
            return read_po(handle, locale="zh_Hans_CN")
    return Catalog(locale="zh_Hans_CN", project="yima")


def load_all() -> Catalog:
    """Every catalogue file read as one, as the web layer reads them."""
    merged = Catalog(locale="zh_Hans_CN", project="yima")
    for po in sorted(FOLDER.glob("*.po")):
        for message in load(po):
            if message.id and message.string:
                merged[message.id] = message
    return merged


def main(argv: list[str]) -> int:
    if argv[:1] == ["missing"]:
        catalog = load_all()
        missing = sorted(m for m in template_msgids() if not (catalog.get(m) and catalog.get(m).string))
        print("\n".join(missing))
        return 1 if missing else 0
    if argv[:1] == ["merge"] and len(argv) in (2, 3):
        po = FOLDER / f"{argv[2] if len(argv) == 3 else 'messages'}.po"
        catalog = load(po)
        for msgid, text in runpy.run_path(argv[1])["ZH"].items():
            if catalog.get(msgid) is not None:
                catalog.delete(msgid)
            catalog.add(msgid, text)
        po.parent.mkdir(parents=True, exist_ok=True)
        with po.open("wb") as handle:
            write_po(handle, catalog, sort_output=True, width=0)
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
