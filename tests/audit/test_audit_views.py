"""The typed entries and checkpoints of the audit log keep the v1 bodies of their routes (no database)."""

from __future__ import annotations

from dataclasses import fields

from yima.audit.schemas import AuditEntryOut, CheckpointOut
from yima.audit.service import EntryView, SignedCheckpoint


def test_the_typed_checkpoint_and_entry_have_the_fields_of_their_response_models():
    for view, model in ((SignedCheckpoint, CheckpointOut), (EntryView, AuditEntryOut)):
        assert {f.name for f in fields(view)} == set(model.model_fields), view.__name__
    entry = EntryView(3, "2026-11-25T01:00:00+00:00", None, "system", "application.approved", "application:7",
                      {"matter": "establish"}, "ab" * 32)
    assert AuditEntryOut.model_validate(entry.as_json()).detail == {"matter": "establish"}
    checkpoint = SignedCheckpoint("yima-audit-checkpoint", "cq-gxq", 3, "ab" * 32, "2026-11-25T01:00:00.000000+00:00",
                                  "k1", "EdDSA", "c2ln")
    assert CheckpointOut.model_validate(checkpoint.as_json()).model_dump() == checkpoint.as_json()
