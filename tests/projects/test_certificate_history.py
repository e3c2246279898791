"""A key enterprise's certificates keep their history with validity periods: a renewal changes no
past figure (issue 21)."""

from __future__ import annotations

from datetime import date

import pytest
from project_helpers import NOW as SEED_NOW
from project_helpers import add_register

from yima.audit.service import verify_chain
from yima.demo.investment import SERVED_2021, seed_investment
from yima.errors import DomainError
from yima.projects import key_enterprises
from yima.projects.figures import compute_key_enterprises
from yima.projects.model import CertificateIn, KeyEnterpriseChange
from yima.stats.rules import Period

pytestmark = pytest.mark.db

H1_2021 = Period(date(2021, 1, 1), date(2021, 6, 30))


def test_a_certificate_renewal_changes_no_past_figure(db, zone_cq, people):
    """The defect of issue 21: renewing a key enterprise's certificate turned 2021's 44.4%
    high-tech share into 41.67%, because the renewal replaced the certificate valid then."""
    add_register(db, zone_cq, count=SERVED_2021 + 4)
    list(seed_investment(db, zone_cq, SEED_NOW, "demo-password-1"))
    before = compute_key_enterprises(db, zone_cq, H1_2021).as_json()
    assert (before["high_tech"], before["high_tech_share_pct"]) == (16, 44.44)
    admin = people["admin"]
    holder = next(k for k in key_enterprises.list_key_enterprises(db, admin, zone_cq, SEED_NOW).items
                  if k.high_tech_certificate and k.high_tech_certificate.issued_on <= date(2021, 1, 1)
                  and k.high_tech_certificate.expires_on >= date(2021, 6, 30) and k.last_served_on
                  and any(H1_2021.start <= s.served_on <= H1_2021.end for s in
                          key_enterprises.get_key_enterprise(db, admin, k.uscc, SEED_NOW).log))
    old = holder.high_tech_certificate
    assert old is not None
    renewed = key_enterprises.change(db, admin, holder.uscc, KeyEnterpriseChange(high_tech_certificate=CertificateIn(
        number="GR202150009999", issued_on=date(2021, 9, 1), expires_on=date(2024, 8, 31))), SEED_NOW)
    assert renewed.high_tech_certificate is not None and renewed.high_tech_certificate.number == "GR202150009999"
    assert [c.number for c in renewed.certificates] == [old.number, "GR202150009999"]
    after = compute_key_enterprises(db, zone_cq, H1_2021).as_json()
    assert (after["high_tech"], after["high_tech_share_pct"]) == (16, 44.44)
    # removing the certificate ends its validity from today on; the past stays
    with pytest.raises(DomainError) as refused:
        key_enterprises.change(db, admin, holder.uscc, KeyEnterpriseChange(remove_certificate=True), SEED_NOW)
    assert refused.value.findings[0].rule == "correction.reason"
    removed = key_enterprises.change(db, admin, holder.uscc, KeyEnterpriseChange(
        remove_certificate=True, reason="高新技术企业资格被取消"), SEED_NOW)
    assert removed.high_tech_certificate is None and removed.certificates[-1].ended_on == date(2021, 9, 29)
    assert compute_key_enterprises(db, zone_cq, H1_2021).as_json()["high_tech_share_pct"] == 44.44
    assert verify_chain(db, zone_cq).ok
