"""Test data shared by the suite (imported by tests; fixtures live in conftest.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import BytesIO
from typing import Any

from PIL import Image

from hostile_pdfs import one_page
from yima.identity import make_id_number

PASSWORD = "test-password-1"
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def person(name: str = "张三", birth: date = date(1990, 5, 17), seq: int = 1) -> dict[str, str]:
    return {"name": name, "id_number": make_id_number("500107", birth, seq), "phone": "13800000000"}


def application_body(**changes: Any) -> dict[str, Any]:
    """The v1 example body, which qualifies for 秒批."""
    rep = person()
    body: dict[str, Any] = {
        "zone": "cq-gxq", "matter": "establish", "entity_type": "llc", "channel": "online",
        "name": "重庆云帆科技有限公司", "registered_capital": "1000000.00", "industry_code": "I6513",
        "scope": ["software_development"],
        "addresses": [{"text": "重庆市九龙坡区科城路60号", "proof": "commitment"}],
        "legal_representative": rep,
        "shareholders": [{"name": rep["name"], "id_number": rep["id_number"], "share_pct": "100"}],
        "materials": ["application_form", "articles_of_association"], "commitments": ["address", "beneficial_owner"]}
    body.update(changes)
    return body


# Establishments with bundled permits (一业一证): a hotel by commitment, a restaurant whose food
# business permit waits for its department.
HOTEL: dict[str, Any] = dict(
    name="重庆嘉陵酒店管理有限公司", scope=["hotel"], industry_code="H6110",
    materials=["application_form", "articles_of_association", "floor_plan", "staff_health_certificates"],
    commitments=["address", "permit_conditions", "beneficial_owner"])
CATERING: dict[str, Any] = dict(
    name="重庆山城餐饮管理有限公司", scope=["catering"], industry_code="H6210",
    materials=["application_form", "articles_of_association", "food_safety_rules", "equipment_layout",
               "food_safety_manager"])


def tiny_pdf(note: str = "document") -> bytes:
    """A small well-formed one-page PDF (uploads are opened, not sniffed); ``note`` makes it unique."""
    return one_page(catalog_extra=b"/Yima (" + note.encode("ascii", "replace") + b") ")


def tiny_png(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A small PNG that decodes in full."""
    out = BytesIO()
    Image.new("RGB", (4, 4), colour).save(out, "PNG")
    return out.getvalue()
