"""Names and persons by the rules (issue 17 items 2-3), as plain functions: no database."""

from __future__ import annotations

from datetime import date

import pytest

from factories import application_body, person
from yima.registration import names, persons, rules
from yima.registration.model import ApplicationIn
from yima.standard import load_standard
from yima.textcheck import hidden_character

STANDARD = load_standard()
PLACES = ("重庆", "重庆市")


def evaluate(registered=(), **changes) -> rules.Evaluation:
    ctx = rules.RuleContext(standard=STANDARD, zone_id="cq-gxq", zone_known=True, place_names=PLACES,
                            today=date(2026, 11, 25), registered=tuple(registered))
    return rules.evaluate(ApplicationIn.model_validate(application_body(**changes)), ctx)


def ids(findings) -> list[tuple[str, str]]:
    return [(f.rule, f.field) for f in findings]


@pytest.mark.parametrize("name,rule", [
    ("重庆<script>alert(1)</script>科技有限公司", "name.markup"),
    ("重庆🚀火箭科技有限公司", "name.characters"),
    ("重庆Yunfan科技有限公司", "name.latin"),
    ("重庆雲帆科技有限公司", "name.characters"),  # traditional 雲: not in the 2013 table
    ("重庆云\u200b帆科技有限公司", "text.hidden_character"),
    ("重庆云帆科技有限公司\u202e", "text.hidden_character"),
])
def test_a_name_with_characters_the_rules_do_not_allow_is_invalid(name, rule):
    evaluation = evaluate(name=name)
    assert ids(evaluation.invalid) == [(rule, "name")]
    assert evaluation.invalid[0].zh != evaluation.invalid[0].en


def test_the_markup_message_names_the_character_in_both_languages():
    finding = names.character_findings("重庆<script>科技有限公司", "name", STANDARD)[0]
    assert "“<”" in finding.zh and "'<'" in finding.en and "U+003C" in finding.en


@pytest.mark.parametrize("name", ["重庆云帆科技有限公司", "云帆科技（重庆）有限公司", "重庆1897科技有限公司",
                                  "重庆堃喆科技有限公司"])
def test_lawful_names_pass(name):
    evaluation = evaluate(name=name)
    assert evaluation.invalid == evaluation.refusals == evaluation.review == []


def test_a_table_character_the_licence_font_cannot_print_is_its_own_rule():
    printable = names.printable_code_points()
    assert printable is not None
    rare = next(c for c in sorted(names.standard_characters()) if ord(c) not in printable)
    assert ids(names.character_findings(f"重庆{rare}帆科技有限公司", "name", STANDARD)) == [("name.glyph", "name")]


def test_the_character_table_is_the_whole_2013_table():
    table = names.standard_characters()
    assert len(table) == 8105 and {"一", "堃", "喆", "𬌗"} <= table and not {"雲", "國", "A"} & table


def test_a_banned_word_is_refused_and_a_restricted_word_goes_to_an_officer():
    banned = evaluate(name="重庆赌博科技有限公司")
    assert ids(banned.refusals) == [("name.banned", "name")] and rules.outcome(banned) == "rejected"
    assert "赌博" in banned.refusals[0].zh
    restricted = evaluate(name="重庆中华云帆科技有限公司")
    assert ids(restricted.review) == [("name.restricted", "name")] and rules.outcome(restricted) == "under_review"


def test_the_word_lists_and_messages_are_part_of_the_standard_and_its_digest():
    assert "中国" in STANDARD.names.restricted_words and STANDARD.names.banned_words
    for rule in ("name.markup", "name.latin", "name.characters", "name.glyph", "name.banned", "name.restricted",
                 "name.same_as_registered", "name.similar"):
        assert STANDARD.names.messages[rule].zh and STANDARD.names.messages[rule].en
    from yima.standard.loader import parse_standard
    text = (__import__("importlib").resources.files("yima.standard") / "data" / "standard.toml").read_text("utf-8")
    changed = parse_standard(text.replace('"赌博", ', ""))
    assert changed.digest != STANDARD.digest and "赌博" not in changed.names.banned_words


def test_the_same_trade_name_and_feature_as_a_registered_enterprise_is_refused_naming_it():
    registered = [("重庆云帆科技有限公司", "91500107MA0000001X")]
    same = evaluate(registered, name="重庆云帆科技股份有限公司", entity_type="joint_stock")
    assert ids(same.refusals) == [("name.same_as_registered", "name")]
    assert "重庆云帆科技有限公司" in same.refusals[0].zh and "91500107MA0000001X" in same.refusals[0].en
    near = evaluate(registered, name="重庆云帆餐饮管理有限公司", scope=["catering"], industry_code="H6210")
    assert ("name.similar", "name") in ids(near.review) and near.refusals == []
    other = evaluate(registered, name="重庆云海科技有限公司")
    assert other.refusals == other.review == []


def test_names_are_split_into_their_four_parts():
    parts = names.parse("云帆科技（重庆）有限公司", PLACES, STANDARD)
    assert parts == names.NameParts("重庆", "云帆", "科技", "有限公司")
    assert names.parse("云帆科技有限公司", PLACES, STANDARD) is None


# --- persons -------------------------------------------------------------------------------------

@pytest.mark.parametrize("field,change", [
    ("legal_representative.name", {"legal_representative": {**person(), "name": "<img src=x onerror=alert(2)>"}}),
    ("shareholders.0.name", {"shareholders": [{"name": "=cmd|' /C calc'!A0", "id_number": person()["id_number"],
                                               "share_pct": "100"}]}),
    ("legal_representative.name", {"legal_representative": {**person(), "name": "张三3"}}),
    ("legal_representative.name", {"legal_representative": {**person(), "name": "·张三"}}),
])
def test_a_person_name_that_is_not_a_name_is_invalid(field, change):
    evaluation = evaluate(**change)
    assert ids(evaluation.invalid) == [("person.name", field)]


def test_a_minority_name_with_the_middle_dot_is_valid():
    rep = person("阿依古丽·买买提")
    evaluation = evaluate(legal_representative=rep,
                          shareholders=[{"name": rep["name"], "id_number": rep["id_number"], "share_pct": "100"}])
    assert evaluation.invalid == []


def test_a_latin_name_needs_a_passport():
    rep = {"name": "Anna-Maria Schmidt", "id_type": "passport", "id_number": "C01X00T47"}
    assert evaluate(legal_representative=rep).invalid == []
    as_resident = {**person(), "name": "Anna-Maria Schmidt"}
    assert ids(evaluate(legal_representative=as_resident).invalid) == [("person.name", "legal_representative.name")]
    assert ids(persons.name_findings("Anna  Schmidt", "n", "passport")) == [("person.name", "n")]


@pytest.mark.parametrize("id_type,good,bad", [
    ("passport", "E12345678", "E-1234"),
    ("hk_macao_permit", "H12345678", "X12345678"),
    ("taiwan_permit", "12345678", "1234567A"),
])
def test_each_document_has_its_number_form(id_type, good, bad):
    assert persons.validate_identity(id_type, good, "id_number") is None
    rep = {"name": "陈大文", "id_type": id_type, "id_number": bad}
    assert ids(evaluate(legal_representative=rep).invalid) == [("id_number.format", "legal_representative.id_number")]


def test_a_hidden_character_anywhere_in_the_application_is_refused_with_one_rule():
    evaluation = evaluate(addresses=[{"text": "重庆市九龙坡区科城路\u200d60号", "proof": "commitment"}])
    assert ids(evaluation.invalid) == [("text.hidden_character", "addresses.0.text")]
    evaluation = evaluate(legal_representative={**person(), "name": "张\u200b三"})
    assert ids(evaluation.invalid) == [("text.hidden_character", "legal_representative.name")]


def test_hidden_character_names_the_code_point_and_allows_line_breaks_only_when_asked():
    assert hidden_character("第一行\n第二行", "reason", multiline=True) is None
    found = hidden_character("第一行\n第二行", "reason")
    assert found is not None and "U+000A" in found.en
    assert hidden_character("重庆　云帆 科技", "x") is None  # visible spaces are the field's own business
