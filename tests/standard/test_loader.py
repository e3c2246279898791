from __future__ import annotations

from importlib import resources

import pytest

from yima.standard import industry
from yima.standard.loader import parse_standard

TEXT = resources.files("yima.standard").joinpath("data", "standard.toml").read_text("utf-8")


def test_the_shipped_standard_loads_with_a_sha256_digest():
    standard = parse_standard(TEXT)
    assert len(standard.digest) == 64
    assert set(standard.matters) == {"establish", "change", "cancel", "filing"}
    assert set(standard.entity_types) == {"llc", "joint_stock", "sole_proprietorship", "partnership",
                                          "individual_business", "farmer_cooperative"}


def test_the_digest_ignores_formatting_but_not_content():
    reformatted = TEXT.replace(" = ", "=")
    assert parse_standard(reformatted).digest == parse_standard(TEXT).digest
    changed = TEXT.replace("statutory_days = 3", "statutory_days = 5", 1)
    assert parse_standard(changed).digest != parse_standard(TEXT).digest


def test_every_scope_item_has_a_valid_gbt4754_class():
    standard = parse_standard(TEXT)
    for item in standard.scope.values():
        assert industry.lookup(item.industry_code).level == "class", item.id


@pytest.mark.parametrize("item,code", [("software_development", "I6513"), ("convenience_store", "F5213"),
                                       ("catering", "H6210"), ("hotel", "H6110"), ("barber_beauty", "O8040"),
                                       ("coal_mining", "B0610"), ("steel_smelting", "C3120"),
                                       ("cement_production", "C3011")])
def test_scope_catalogue_classes(item, code):
    assert parse_standard(TEXT).scope[item].industry_code == code


def test_negative_list_items_carry_the_environmental_reason():
    standard = parse_standard(TEXT)
    assert set(standard.scope_negative_list) == {"coal_mining", "steel_smelting", "cement_production"}
    for entry in standard.scope_negative_list.values():
        assert "环境风险" in entry.reason.zh and "nvironmental risk" in entry.reason.en


def test_a_reference_to_an_unknown_material_is_refused():
    broken = TEXT.replace('"*" = ["application_form"]', '"*" = ["application_form", "no_such_material"]')
    with pytest.raises(ValueError, match="no_such_material"):
        parse_standard(broken)
