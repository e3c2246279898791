"""Published reports: what a zone signs when it publishes its figures, and how a later
restatement says what changed. Pure: no database, no clock.

A published report is the JSON document ``{"purpose": "yima-published-report", "id", "zone",
"period": {"from", "to"}, "published_at", "published_by", "restates", "reason", "changes",
"figures"}`` and the zone's signature over its canonical form (sorted keys, no spaces, UTF-8), in
the envelope ``{"report": …, "signature": {"zone", "kid", "alg", "signature"}}``. Anyone with the
zone's trust list checks it offline, as they check an audit checkpoint. Once published it is never
changed: a correction of the records shows as a restatement (``restates`` names the report), with
the figures as they are now, the list of ``changes`` (path, was, now), the ``reason`` and who.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from yima.errors import DomainError
from yima.keys.signature import MalformedSignature, ZoneSignature, verify
from yima.keys.trustlist import TrustList

REPORT_PURPOSE = "yima-published-report"


def canonical(report: Mapping[str, Any]) -> bytes:
    """The bytes the zone signs."""
    return json.dumps(report, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, Mapping):
        for key in sorted(value):
            yield from _leaves(value[key], f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _leaves(item, f"{path}[{i}]")
    else:
        yield path, value


def changes(was: Mapping[str, Any], now: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every figure whose value differs, by its JSON path: ``{"path", "was", "now"}`` (null where absent)."""
    before, after = dict(_leaves(was, "")), dict(_leaves(now, ""))
    return [{"path": path, "was": before.get(path), "now": after.get(path)}
            for path in sorted(before.keys() | after.keys()) if before.get(path) != after.get(path)]


def check_reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) < 4:
        raise DomainError("report.reason_required", "reason", "更正已发布的数据须写明理由（至少4个字）",
                          "A restatement of published figures needs a reason (at least 4 characters)")
    return reason


def check_report(envelope: Mapping[str, Any], trust_list: TrustList) -> tuple[bool, str, str]:
    """(ok, 中文, English): the envelope holds a published report signed by a key of the zone's trust list."""
    report = envelope.get("report") if isinstance(envelope, Mapping) else None
    signature_part = envelope.get("signature") if isinstance(envelope, Mapping) else None
    if not isinstance(report, Mapping) or not isinstance(signature_part, Mapping):
        return False, "文件不是已发布的报告（缺少 report 或 signature）", \
            "The file is not a published report (report or signature is missing)"
    if report.get("purpose") != REPORT_PURPOSE:
        return False, "文件不是已发布的报告", "The file is not a published report"
    zone = str(report.get("zone", ""))
    if zone != trust_list.zone or signature_part.get("zone") != zone:
        return False, f"报告属于开发区 {zone}，而信任列表属于 {trust_list.zone}", \
            f"The report is of zone {zone}, the trust list of {trust_list.zone}"
    try:
        signature = ZoneSignature.from_dict(signature_part)
    except MalformedSignature as err:
        return False, f"签名格式不正确：{err.findings[0].zh}", f"The signature is malformed: {err.findings[0].en}"
    if not verify(trust_list, signature, canonical(report)):
        return False, "报告的签名无效（内容被改动或不是该区的密钥所签）", \
            "The report's signature is not valid (its content was changed or another key signed it)"
    period = report.get("period") or {}
    kind_zh, kind_en = ("更正报告", "restatement") if report.get("restates") else ("报告", "report")
    return True, (f"{kind_zh}第 {report.get('id')} 号（{zone}，{period.get('from')} 至 {period.get('to')}）"
                  f"由该区密钥签名，内容未被改动"), \
        (f"The {kind_en} no. {report.get('id')} ({zone}, {period.get('from')} to {period.get('to')}) is signed "
         f"by the zone's key and unchanged")
