"""``yima seal sign`` / ``yima seal check`` (the operator's tools) and ``yima bench seals``."""

from __future__ import annotations

import pytest
from seal_helpers import NAME, PERSON, establish, seal_ids
from typer.testing import CliRunner

from factories import NOW
from yima.bench.seals import sample_contract_pdf
from yima.cli import app
from yima.seals import service
from yima.seals.model import SealType

runner = CliRunner()


@pytest.mark.db
def test_operator_seals_and_checks_a_pdf_on_the_command_line(db, people, standard, tmp_path):
    uscc = establish(db, standard, people["alice"])
    ids = seal_ids(db, people["alice"], uscc)
    source, target = tmp_path / "合同.pdf", tmp_path / "sealed.pdf"
    source.write_bytes(sample_contract_pdf(NAME, PERSON))

    signed = runner.invoke(app, ["seal", "sign", str(source), str(target), "--seal", ids[SealType.CONTRACT],
                                 "--page", "1", "--x", "150", "--y", "240", "--db", db.url])
    assert signed.exit_code == 0, signed.output
    assert target.read_bytes().startswith(b"%PDF-")
    checked = runner.invoke(app, ["seal", "check", str(target), "--db", db.url])
    assert checked.exit_code == 0, checked.output
    assert "valid" in checked.output and uscc in checked.output

    refused = runner.invoke(app, ["seal", "sign", str(source), str(target), "--seal", ids[SealType.CONTRACT],
                                  "--user", "bob", "--db", db.url])
    assert refused.exit_code == 1 and "seal.not_owner" in refused.output
    as_owner = runner.invoke(app, ["seal", "sign", str(target), str(tmp_path / "twice.pdf"), "--seal",
                                   ids[SealType.LEGAL_REPRESENTATIVE], "--user", "alice", "--db", db.url])
    assert as_owner.exit_code == 0, as_owner.output
    assert runner.invoke(app, ["seal", "check", str(tmp_path / "twice.pdf"), "--db", db.url]).exit_code == 0

    with db.write() as session:
        service.revoke_enterprise_seals(session, uscc, NOW, "注销 / cancelled")
    revoked = runner.invoke(app, ["seal", "check", str(target), "--db", db.url])
    assert revoked.exit_code == 1 and "revoked" in revoked.output

    unsigned = runner.invoke(app, ["seal", "check", str(source), "--db", db.url])
    assert unsigned.exit_code == 1 and "no seal" in unsigned.output
    not_pdf = tmp_path / "note.txt"
    not_pdf.write_text("hello")
    wrong = runner.invoke(app, ["seal", "check", str(not_pdf), "--db", db.url])
    assert wrong.exit_code == 1 and "seal.pdf_required" in wrong.output


def test_the_benchmark_reports_seal_and_validation_rates():
    result = runner.invoke(app, ["bench", "seals", "--n", "2"])
    assert result.exit_code == 0, result.output
    assert "seal (sign one-page PDF)" in result.output and "validate (one seal)" in result.output
    assert "seal SM2 (GB/T 38540" in result.output and "validate SM2 (one OFD seal)" in result.output
    assert "ops / s" in result.output
