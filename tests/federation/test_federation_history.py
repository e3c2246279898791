"""The demo's 2021 cross-region history is made by the federation code and counted from records."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from factories import NOW, PASSWORD
from yima.accounts.service import add_user
from yima.audit.service import verify_chain
from yima.demo.cross_region import CROSS_REGION_2021, seed_cross_region_history
from yima.federation.tables import Case, OutboxMessage
from yima.keys.service import trust_list
from yima.licences.qr import extract_cose_bytes
from yima.licences.verify import verify_licence
from yima.registration.tables import Application
from yima.stats.rules import Period
from yima.stats.service import compute_figures

PERIOD = Period(date(2021, 1, 1), date(2021, 8, 31))


def test_history_cases_are_forwarded_issued_and_delivered_and_counted_on_both_sides(db, zone_cq, standard) -> None:
    history = add_user(db, "history-2021", "applicant", PASSWORD, NOW)
    lines = list(seed_cross_region_history(db, db, standard, history.id, count=4))
    assert "4 applications" in lines[-1] and CROSS_REGION_2021 == 28

    chongqing = compute_figures(db, "cq-gxq", PERIOD, standard)
    chengdu = compute_figures(db, "cd-gxq", PERIOD, standard)
    assert chongqing.cross_region_licences == 4
    assert chongqing.sections["cross_region"].as_json()["accepted_for_partners"] == 4
    assert chengdu.sections["cross_region"].as_json()["issued_for_partners"] == 4
    # the section's four counts (one statement) as each zone's records give them
    assert chongqing.sections["cross_region"].as_json() == {
        "accepted_for_partners": 4, "licences_delivered": 4, "issued_for_partners": 0, "unanswered_after_a_day": 0}
    assert chengdu.sections["cross_region"].as_json() == {
        "accepted_for_partners": 0, "licences_delivered": 0, "issued_for_partners": 4, "unanswered_after_a_day": 0}
    assert chengdu.cross_region_licences == 0  # Chengdu issued them; the delivered licences count at Chongqing
    assert compute_figures(db, "cq-gxq", Period(date(2022, 1, 1), date(2022, 8, 31)), standard) \
        .cross_region_licences == 0

    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.delivered_at.is_(None))) == 0
        issued = session.scalars(select(Application).where(Application.channel == "cross_region")).all()
        assert {a.zone_id for a in issued} == {"cd-gxq"} and {a.status for a in issued} == {"approved"}
        cases = session.scalars(select(Case).where(Case.role == "accepting")).all()
        assert all(c.licence_pdf and c.licence_pdf.startswith(b"%PDF") for c in cases)
        assert {c.licence_delivered_at.year for c in cases} == {2021}
    trust = trust_list(db, standard, "cd-gxq")
    for case in cases:
        result = verify_licence(extract_cose_bytes(case.licence_qr or ""), trust, NOW)
        assert result.valid and result.payload is not None and result.payload.uscc == case.uscc
    assert verify_chain(db, "cq-gxq").ok and verify_chain(db, "cd-gxq").ok
    with db.write() as session:  # one forwarded case never answered: late, and no licence delivered
        unanswered = session.scalars(select(Case).where(Case.role == "accepting")
                                     .order_by(Case.application_id)).first()
        assert unanswered is not None
        unanswered.remote_status, unanswered.licence_delivered_at = "", None
    assert compute_figures(db, "cq-gxq", PERIOD, standard).sections["cross_region"].as_json() == {
        "accepted_for_partners": 4, "licences_delivered": 3, "issued_for_partners": 0, "unanswered_after_a_day": 1}
