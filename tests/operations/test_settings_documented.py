"""Every setting is in the README's configuration table (the PDF limits were missing from it)."""

from __future__ import annotations

from pathlib import Path

from yima.config import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_has_a_row_in_the_configuration_table():
    table = README.read_text("utf-8").split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = {line.split("|")[1].strip().strip("`") for line in table.splitlines() if line.startswith("| `YIMA_")}
    missing = sorted(f"YIMA_{name.upper()}" for name in Settings.model_fields if f"YIMA_{name.upper()}" not in rows)
    assert missing == [], f"add a row to README.md's configuration table for {', '.join(missing)}"
