"""The repository speaks for itself: no README, document, docstring, page or CLI help refers to a
document its reader does not have (an outside specification, the source text of the 2021 figures)
or links outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEXT_SUFFIXES = {".py", ".md", ".html", ".po", ".txt", ".toml", ".json", ".js", ".css", ".svg", ".yaml", ".yml",
                 ".cfg", ".ini", ".mako"}
VENDORED = "vendor"  # third-party files as their authors ship them (ECharts and its licence)

OUTSIDE = [
    (re.compile(r"\bSPEC\b"), "an outside specification"),
    (re.compile(r"\.\./shared|/work/shared|\bshared/seed\b"), "a path outside the repository"),
    (re.compile(r"\bthe seed\b|\bseed's\b|\bseed figures\b|\bfigures of the seed\b", re.IGNORECASE),
     "the source text of the 2021 figures (say: the zone's 2021 report)"),
]


def _files() -> list[Path]:
    found = [ROOT / "README.md"]
    for folder in (ROOT / "src", ROOT / "docs"):
        found += [p for p in folder.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES
                  and VENDORED not in p.relative_to(ROOT).parts and ".egg-info" not in str(p)]
    return sorted(found)


def _references(text: str) -> list[str]:
    return [f"{m.group(0)!r} ({why})" for pattern, why in OUTSIDE for m in pattern.finditer(text)]


@pytest.mark.parametrize("text", ["see SPEC C9", "as in [the spec](../shared/SPEC.md)",
                                  "the figures of the seed", "The seed's figures", "the Seed prints 16.76%"])
def test_the_check_finds_a_reference_to_an_outside_document(text: str) -> None:
    assert _references(text)


def test_the_check_leaves_ordinary_words_alone() -> None:
    assert _references("random.Random(seed), seed_register(), a SPECIMEN, the zone's 2021 report") == []


def test_no_file_refers_to_a_document_outside_the_repository() -> None:
    files = _files()
    assert ROOT / "docs" / "capabilities.md" in files and len(files) > 100
    found = [f"{path.relative_to(ROOT)}:{number}: {reference}"
             for path in files
             for number, line in enumerate(path.read_text("utf-8", errors="replace").splitlines(), 1)
             for reference in _references(line)]
    assert found == []


def test_the_readme_links_only_inside_the_repository_and_to_the_capability_map() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", readme)
    assert "docs/capabilities.md" in targets
    outside = [t for t in targets if not (ROOT / t.split("#")[0]).exists()]
    assert outside == []
