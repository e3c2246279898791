"""Loads the matter standard from its TOML data file and computes its digest.

The digest is the SHA-256 of the canonical JSON form of the parsed file (sorted keys, no
whitespace), so reformatting the file or reordering its tables keeps the identity, while any
change of content gives a new one.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from yima.config import Settings, get_settings
from yima.standard.model import MatterStandard

DEFAULT_FILE = "standard.toml"


def canonical_digest(raw: dict[str, Any]) -> str:
    canonical = json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def parse_standard(text: str) -> MatterStandard:
    raw = tomllib.loads(text)
    digest = canonical_digest(raw)
    for section in ("matters", "entity_types", "materials", "commitments", "scope", "scope_negative_list",
                    "permits"):
        for key, value in raw.get(section, {}).items():
            value.setdefault("id", key)
    standard = MatterStandard.model_validate({**raw, "digest": digest})
    _check_references(standard)
    return standard


def _check_references(standard: MatterStandard) -> None:
    for matter in standard.matters.values():
        for entity_type, ids in matter.materials.items():
            if entity_type != "*" and entity_type not in standard.entity_types:
                raise ValueError(f"matter {matter.id}: unknown entity type {entity_type}")
            for material_id in ids:
                if material_id not in standard.materials:
                    raise ValueError(f"matter {matter.id}: unknown material {material_id}")
    for material in standard.materials.values():
        if material.commitment and material.commitment not in standard.commitments:
            raise ValueError(f"material {material.id}: unknown commitment {material.commitment}")
    for item in standard.scope.values():
        if item.permit and item.permit not in standard.permits:
            raise ValueError(f"scope item {item.id}: unknown permit {item.permit}")
    for permit in standard.permits.values():
        for material_id in permit.separate_materials + permit.bundled_materials:
            if material_id not in standard.materials:
                raise ValueError(f"permit {permit.id}: unknown material {material_id}")
    for scope_id in standard.scope_negative_list:
        if scope_id not in standard.scope:
            raise ValueError(f"negative list: unknown scope item {scope_id}")


@lru_cache
def load_standard(path: str | None = None) -> MatterStandard:
    """The standard shipped with Yima, or the file at ``path``."""
    if path is None:
        text = resources.files("yima.standard").joinpath("data", DEFAULT_FILE).read_text("utf-8")
    else:
        text = Path(path).read_text("utf-8")
    return parse_standard(text)


def configured_standard(settings: Settings | None = None) -> MatterStandard:
    """The matter standard this installation uses — ``YIMA_STANDARD_FILE`` when set, else the one
    shipped — with its version and digest. Every command, page, job and route takes it from here,
    so what the trust list announces is what the register applies."""
    file = (settings or get_settings()).standard_file
    return load_standard(str(file) if file else None)
