"""What an officer's approval must carry when it overrides the rules' findings.

An application that an officer approves although its findings are still open overrides them. The
officer gives a reason (the written reasons of 《行政许可法》第三十八条, kept for an approval
against a finding as for a refusal), and where a finding's rule needs proof instead of a
commitment — an address on the 住所负面清单 of the zone's address-declaration rules
(《市场主体登记管理条例》第十一条) needs its 住所（经营场所）使用证明 — that material is uploaded
first. Pure: the caller passes the findings and what was uploaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from yima.errors import Finding
from yima.standard.model import MatterStandard

#: A finding's rule → the material that proves what the rule doubts; approving over such a
#: finding needs that material uploaded.
PROOF_FOR_RULE: dict[str, str] = {"address.negative_list": "address_proof"}

#: Findings that only say who decides (an officer, not 秒批): the officer deciding settles them, so
#: an approval does not override them.
WHO_DECIDES = frozenset({"review.matter", "review.entity_type"})

#: The proof an address carries once its use was proved by the material instead of a commitment.
PROVED_ADDRESS = "proof_of_use"


def open_findings(findings: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The findings an approval would override: those not already overridden by an earlier decision."""
    return [f for f in findings if not f.get("overridden") and f["rule"] not in WHO_DECIDES]


def _named(finding: Mapping[str, Any]) -> tuple[str, str]:
    zh = finding.get("message_zh") or finding.get("message", "")
    en = finding.get("message_en") or finding.get("message", "")
    return f"{zh}（{finding['rule']}）", f"{en} ({finding['rule']})"


def approval_refusals(findings: Iterable[Mapping[str, Any]], reason: str, uploaded: Iterable[str],
                      standard: MatterStandard) -> list[Finding]:
    """Why an approval over these findings is not yet possible: a proof to upload first
    (``decision.proof_required``), else a missing reason naming each finding
    (``decision.reason_required``). Empty when the approval may go ahead."""
    still_open = open_findings(findings)
    have = set(uploaded)
    proofs = []
    for finding in still_open:
        material_id = PROOF_FOR_RULE.get(str(finding["rule"]))
        if material_id and material_id not in have:
            material = standard.materials[material_id]
            zh, en = _named(finding)
            proofs.append(Finding("decision.proof_required", "material",
                                  f"须先上传“{material.name.zh}”才能批准：{zh}",
                                  f"Upload the {material.name.en.lower()} before approving: {en}"))
    if proofs:
        return proofs
    if still_open and not reason.strip():
        return [Finding("decision.reason_required", "reason", f"批准须说明理由，以下问题尚未解决：{zh}",
                        f"Approving needs a reason; this finding is still open: {en}")
                for zh, en in map(_named, still_open)]
    return []


def overridden(findings: Iterable[Mapping[str, Any]], uploaded: Iterable[str]) -> list[dict[str, Any]]:
    """The findings as they stand after an approval: each open one marked overridden, with the
    material that proved it where its rule needs one."""
    have = set(uploaded)
    result = []
    for finding in findings:
        marked = dict(finding)
        if not finding.get("overridden") and finding["rule"] not in WHO_DECIDES:
            marked["overridden"] = True
            material_id = PROOF_FOR_RULE.get(str(finding["rule"]))
            if material_id and material_id in have:
                marked["proved_by"] = material_id
        result.append(marked)
    return result


def proved_addresses(findings: Iterable[Mapping[str, Any]]) -> set[int]:
    """Indexes of the addresses whose use a material proved (so they are not by commitment)."""
    indexes = set()
    for finding in findings:
        head, _, rest = str(finding.get("field", "")).partition(".")
        index = rest.partition(".")[0]
        if finding.get("proved_by") and head == "addresses" and index.isascii() and index.isdigit():
            indexes.add(int(index))
    return indexes
