"""好差评 of a key enterprise's request (诉求): once resolved, the enterprise's authorised user rates it
once; a bad rating goes to the reform office's ledger like any other, and the figures name the
matter; the investment office may appeal it."""

from __future__ import annotations

from datetime import date

import pytest

from factories import NOW, PASSWORD, application_body
from yima.accounts.service import add_user, authenticate
from yima.errors import DomainError
from yima.projects import key_enterprises
from yima.projects.model import KeyEnterpriseIn, ResolveIn, ServiceIn
from yima.ratings import service
from yima.registration import service as registration
from yima.registration import views as applications
from yima.registration.model import ApplicationIn
from yima.stats.rules import Period

pytestmark = pytest.mark.db


def test_the_enterprise_rates_its_resolved_request(db, standard, people):
    for name, role in (("office-cq", "reform_office"), ("invest-cq", "investment_office")):
        add_user(db, name, role, PASSWORD, NOW, zone_id="cq-gxq")
    office, invest = authenticate(db, "office-cq", PASSWORD), authenticate(db, "invest-cq", PASSWORD)
    alice, bob, admin = people["alice"], people["bob"], people["admin"]
    app_id = registration.submit(db, standard, alice, ApplicationIn.model_validate(application_body()), NOW)
    uscc = applications.get_application(db, alice, app_id, NOW).uscc
    key_enterprises.mark(db, admin, KeyEnterpriseIn(zone="cq-gxq", uscc=uscc), NOW)
    request = key_enterprises.log_service(db, admin, uscc, ServiceIn(served_on=date(2026, 11, 20), kind="request",
                                                                      request="申请人才公寓"), NOW).id

    def refused(actor, score=5) -> str:
        with pytest.raises(DomainError) as caught:
            service.rate(db, actor, service.REQUEST, request, score, ["time_limit"], "", NOW)
        return caught.value.finding.rule

    assert refused(alice) == "rating.not_decided"  # open still
    key_enterprises.resolve(db, admin, request, ResolveIn(resolved_on=date(2026, 11, 24), action="已协调"), NOW)
    assert refused(bob) == "service.unknown"  # not bob's enterprise: no such request for him
    assert refused(invest) == "rating.not_served"
    assert service.rating_panel(db, alice, request, NOW, service.REQUEST).may_rate is True
    rating = service.rate(db, alice, service.REQUEST, request, 2, ["time_limit"], "等了一个月", NOW)
    assert refused(alice) == "rating.awaiting_rectification"
    item = service.rectifications(db, office)[0]
    assert item.rating is not None and item.rating.id == rating and item.rating.matter == "key_enterprise_request"
    figures = service.figures_of(db, "cq-gxq", Period(date(2026, 1, 1), date(2026, 12, 31)))
    assert figures.by_matter["key_enterprise_request"].bad == 1

    with pytest.raises(DomainError):  # officers do not handle requests
        service.appeal(db, people["officer-cq"], rating, "恶意", NOW)
    service.appeal(db, invest, rating, "诉求超出政策范围，评价与办理无关", NOW)
    assert service.pending_appeals(db, office)[0].id == rating
