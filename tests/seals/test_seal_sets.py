"""Seal sets: enqueued on approval, issued by the job (or on first look), listed to the owner only,
revoked with the enterprise, counted for the statistics."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from seal_helpers import NAME, PERSON, establish, seal_ids, seal_set_status
from sqlalchemy import select

from factories import NOW
from yima.app.jobs import run_jobs
from yima.errors import DomainError, Forbidden, NotFound
from yima.pki.ca import read_signer_identity
from yima.pki.service import decrypt_key
from yima.seals import service
from yima.seals.images import SealLook
from yima.seals.model import SEAL_SET, SealType
from yima.seals.tables import Seal, SealSet

pytestmark = pytest.mark.db


def test_approval_enqueues_a_set_and_the_job_issues_five_certified_seals(db, people, standard):
    uscc = establish(db, standard, people["alice"])
    assert seal_set_status(db, uscc) == "pending"
    lines = service.issue_pending_seal_sets_job(db, NOW)
    assert lines == [f"issued 1 seal set(s): {uscc}"]
    assert seal_set_status(db, uscc) == "issued"
    seals = service.list_seals(db, people["alice"], uscc, NOW)
    assert [s.type for s in seals] == list(SEAL_SET) and all(s.status == "active" for s in seals)
    for seal in seals:
        cert = x509.load_pem_x509_certificate(seal.certificate_pem.encode())
        who = read_signer_identity(cert.subject)
        assert (who.organization, who.uscc, who.seal_type) == (NAME, uscc, seal.type.value)
        assert format(cert.serial_number, "x") == seal.serial
        assert "重庆高新区" in cert.issuer.rfc4514_string()
    name_seal = next(s for s in seals if s.type is SealType.LEGAL_REPRESENTATIVE)
    cn = x509.load_pem_x509_certificate(name_seal.certificate_pem.encode()).subject
    assert read_signer_identity(cn).common_name.startswith(PERSON)
    assert service.issue_pending_seal_sets_job(db, NOW) == ["issued 0 seal set(s)"]


def test_keys_are_stored_encrypted_and_images_are_drawn_from_a_stored_look(db, people, standard):
    uscc = establish(db, standard, people["alice"])
    service.issue_pending_seal_sets(db, NOW)
    with db.read() as session:
        seals = session.scalars(select(Seal).join(SealSet).where(SealSet.uscc == uscc)).all()
    assert len({s.id for s in seals}) == 5 and all(len(s.id) == 16 and s.id.isalnum() for s in seals)
    for seal in seals:
        assert seal.key_pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        assert decrypt_key(seal.key_pem).public_key().public_numbers() == \
            x509.load_pem_x509_certificate(seal.cert_pem.encode()).public_key().public_numbers()
        assert seal.image_png == b"" and seal.image_svg == ""  # not stored: drawn when asked
        assert (seal.look_name, seal.look_uscc) == (NAME, uscc)
        assert seal.look_person == (PERSON if seal.type == SealType.LEGAL_REPRESENTATIVE.value else None)
        assert seal.format == "x509-pades"
        look = SealLook(SealType(seal.type), NAME, uscc, seal.look_person)
        assert service.seal_image(db, seal.id, "png") == look.draw("png")
        assert service.seal_image(db, seal.id, "svg") == look.draw("svg")
    assert service.enterprise_seal_image(db, uscc, SealType.FINANCE) == \
        SealLook(SealType.FINANCE, NAME, uscc).draw("png")
    with pytest.raises(NotFound):
        service.enterprise_seal_image(db, "91500000MA5U7Y2K3X", SealType.FINANCE)


def test_seals_made_with_stored_pictures_keep_them_until_they_redraw_identically(db, people, standard):
    """Seals made before revision 0019 carry their pictures and no look: they are served as stored;
    ``compact_seal_images`` drops a picture only where the certificate's look redraws the same bytes."""
    uscc = establish(db, standard, people["alice"])
    service.issue_pending_seal_sets(db, NOW)
    older = b"\x89PNG an older drawing"
    with db.write() as session:
        seals = session.scalars(select(Seal).join(SealSet).where(SealSet.uscc == uscc)).all()
        for seal in seals:  # as the previous release stored them
            look = service.look_of(seal)
            seal.image_png, seal.image_svg = look.draw("png"), look.draw("svg").decode()
            seal.look_name = seal.look_uscc = seal.look_person = None
        changed = next(s for s in seals if s.type == SealType.INVOICE.value)
        changed.image_png = older
        stored = {s.id: (s.image_png, s.image_svg.encode()) for s in seals}
    served = {seal_id: (service.seal_image(db, seal_id, "png"), service.seal_image(db, seal_id, "svg"))
              for seal_id in stored}
    assert served == stored
    assert service.compact_seal_images(db, batch=2) == (4, 1)
    with db.read() as session:
        rows = {s.id: s for s in session.scalars(select(Seal).join(SealSet).where(SealSet.uscc == uscc))}
    assert rows[changed.id].image_png == older and rows[changed.id].look_name is None
    assert all(r.image_png == b"" and r.look_name == NAME for i, r in rows.items() if i != changed.id)
    after = {seal_id: (service.seal_image(db, seal_id, "png"), service.seal_image(db, seal_id, "svg"))
             for seal_id in stored}
    assert after == stored  # the same bytes, now drawn
    assert service.compact_seal_images(db) == (0, 1)


def test_the_owner_first_look_issues_a_pending_set_without_waiting_for_the_job(db, people, standard):
    uscc = establish(db, standard, people["alice"])
    assert len(seal_ids(db, people["alice"], uscc)) == 5
    assert seal_set_status(db, uscc) == "issued"
    assert service.issue_pending_seal_sets(db, NOW) == []


def test_the_scheduled_jobs_include_seal_issuing(db, people, standard):
    uscc = establish(db, standard, people["alice"])
    assert any(line.startswith("issued 1 seal set(s)") for line in run_jobs(db, NOW, standard))
    assert seal_set_status(db, uscc) == "issued"


def test_only_the_authorised_user_may_list_or_use_the_seals(db, people, standard):
    uscc = establish(db, standard, people["alice"])
    ids = seal_ids(db, people["alice"], uscc)
    for other in ("bob", "officer-cq", "admin"):
        with pytest.raises(Forbidden):
            service.list_seals(db, people[other], uscc, NOW)
        with pytest.raises(Forbidden):
            service.export_pkcs12(db, people[other], ids[SealType.CONTRACT], "a-long-passphrase")
    with pytest.raises(NotFound):
        service.list_seals(db, people["alice"], "91500107MA00000000", NOW)
    with pytest.raises(NotFound):
        service.export_pkcs12(db, people["alice"], "0000000000000000", "a-long-passphrase")


def test_pkcs12_export_loads_with_cryptography(db, people, standard):
    uscc = establish(db, standard, people["alice"])
    seal_id = seal_ids(db, people["alice"], uscc)[SealType.COMPANY]
    with pytest.raises(DomainError) as short:
        service.export_pkcs12(db, people["alice"], seal_id, "short")
    assert short.value.finding.field == "passphrase"
    name, data = service.export_pkcs12(db, people["alice"], seal_id, "a-long-passphrase")
    assert name == f"{seal_id}-company.p12"
    loaded = pkcs12.load_pkcs12(data, b"a-long-passphrase")
    assert read_signer_identity(loaded.cert.certificate.subject).uscc == uscc
    assert len(loaded.additional_certs) == 2
    assert loaded.key.public_key().public_numbers() == loaded.cert.certificate.public_key().public_numbers()


def test_revoking_the_enterprise_revokes_its_seals_and_lists_them_on_the_crl(db, people, standard):
    uscc = establish(db, standard, people["alice"])
    seals = service.list_seals(db, people["alice"], uscc, NOW)
    later = NOW + timedelta(days=3)
    with db.write() as session:
        service.revoke_enterprise_seals(session, uscc, later, "注销 / cancelled")
        service.revoke_enterprise_seals(session, uscc, later + timedelta(days=1), "again")  # no change
    after = service.list_seals(db, people["alice"], uscc, later)
    assert all(s.status == "revoked" for s in after) and seal_set_status(db, uscc) == "revoked"
    crl = x509.load_der_x509_crl(service.issuing_crl(db, "cq-gxq", later + timedelta(hours=1)))
    for seal in seals:
        entry = crl.get_revoked_certificate_by_serial_number(int(seal.serial, 16))
        assert entry is not None and entry.revocation_date_utc == later
        assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason \
            is x509.ReasonFlags.cessation_of_operation
    with pytest.raises(DomainError) as revoked:
        service.seals_for_use(db, people["alice"], [seals[0].id])
    assert revoked.value.finding.rule == "seal.revoked"
    other_zone = x509.load_der_x509_crl(service.issuing_crl(db, "cd-gxq", later))
    assert len(list(other_zone)) == 0


def test_a_pending_set_revoked_before_issue_is_never_issued(db, people, standard):
    uscc = establish(db, standard, people["alice"])
    with db.write() as session:
        service.revoke_enterprise_seals(session, uscc, NOW, "吊销 / licence revoked")
    assert service.issue_pending_seal_sets(db, NOW) == []
    assert service.list_seals(db, people["alice"], uscc, NOW) == []
    assert seal_set_status(db, uscc) == "revoked"


def test_the_crl_reason_follows_cancellation_or_revocation():
    assert service.crl_reason_for("cancelled", "注销 / cancelled") is x509.ReasonFlags.cessation_of_operation
    assert service.crl_reason_for("revoked", "无证经营") is x509.ReasonFlags.privilege_withdrawn
    assert service.crl_reason_for("active", "keyCompromise") is x509.ReasonFlags.key_compromise


def test_statistics_count_sets_issued_in_the_period_and_the_money_saved(db, people, standard):
    first = establish(db, standard, people["alice"])
    second = establish(db, standard, people["bob"], name="重庆山城科技有限公司", seq=2)
    service.issue_pending_seal_sets(db, NOW)  # NOW is 2026-11-25 10:00 China time
    with db.write() as session:
        service.revoke_enterprise_seals(session, second, NOW + timedelta(days=1), "注销")
        count, saved = service.seal_sets_issued(session, "cq-gxq", date(2026, 11, 25), date(2026, 11, 25))
        assert (count, saved) == (2, Decimal("600.00"))
        assert service.seal_sets_issued(session, "cq-gxq", date(2026, 11, 26), date(2026, 12, 31)) == (0, Decimal(0))
        assert service.seal_sets_issued(session, "cd-gxq", date(2026, 1, 1), date(2026, 12, 31)) == (0, Decimal(0))
        assert session.scalar(select(SealSet.price_yuan).where(SealSet.uscc == first)) == Decimal("300.00")
