"""The demo's 2021 history of cross-region registration: the report's 28 licences that the Chengdu
High-tech Zone issued for founders who applied at the Chongqing High-tech Zone (跨省异地办照).

They are made by Yima's own code, as the 51 one-code licences are: each application is forwarded
by Chongqing, received and approved by Chengdu (秒批), and its decision and licence delivered back,
as signed messages with receipts, on the day of 2021 it happened. The two zones may live in one
database (``yima demo``) or two (``yima demo --federated``); the messages travel by a direct
transport to the other database instead of HTTP, which is the only difference.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from yima.accounts.service import actor_of
from yima.accounts.tables import User
from yima.config import get_settings
from yima.db import Database
from yima.federation import delivery, inbox, partners, service
from yima.federation.states import CaseRole
from yima.federation.tables import Case, OutboxMessage, Partner
from yima.identity import make_id_number
from yima.registration.model import ApplicationIn
from yima.standard.model import MatterStandard
from yima.zones.service import published_trust_list as trust_list

ACCEPTING, ISSUING = "cq-gxq", "cd-gxq"
CROSS_REGION_2021 = 28
TRADE_NAMES = ("蓉渝", "锦江", "天府", "青城", "峨眉", "巴蜀", "浣花", "玉林", "望江", "双流", "龙泉", "新都",
               "温江", "郫都", "金沙", "宽窄", "武侯", "锦城", "芙蓉", "蜀都", "川渝", "蓉城", "嘉州", "岷江",
               "沱江", "西岭", "都江", "邛崃", "大邑", "蒲江")
SCOPES = (("software_development", "I6513", "科技"),)


def _body(i: int, rng: random.Random) -> dict[str, Any]:
    scope, industry, word = SCOPES[i % len(SCOPES)]
    birth = date(1975, 1, 1) + timedelta(days=rng.randrange(9000))
    person = {"name": f"蓉{TRADE_NAMES[i % len(TRADE_NAMES)]}", "id_number": make_id_number("500107", birth, 100 + i),
              "phone": f"139{rng.randrange(10**8):08d}"}
    return {"zone": ISSUING, "matter": "establish", "entity_type": "llc", "channel": "online",
            "name": f"成都{TRADE_NAMES[i % len(TRADE_NAMES)]}{'数字' if i >= len(TRADE_NAMES) else ''}{word}有限公司",
            "registered_capital": f"{rng.randrange(10, 500) * 10_000}.00", "industry_code": industry, "scope": [scope],
            "addresses": [{"text": f"四川省成都市高新区天府大道北段{1000 + i}号", "proof": "commitment"}],
            "legal_representative": person,
            "shareholders": [{"name": person["name"], "id_number": person["id_number"], "share_pct": "100"}],
            "materials": ["application_form", "articles_of_association"],
            "commitments": ["address", "beneficial_owner"]}


def partner_up(accepting: Database, issuing: Database, standard: MatterStandard, accepting_url: str,
               issuing_url: str, now: datetime) -> None:
    """Each zone records the other as its partner, from the trust list the other publishes."""
    for here, there, zone, local, url in ((accepting, issuing, ISSUING, ACCEPTING, issuing_url),
                                          (issuing, accepting, ACCEPTING, ISSUING, accepting_url)):
        with here.read() as session:
            if session.get(Partner, zone) is not None:
                continue
        partners.record_partner(here, standard, zone, url, f"{url}/.well-known/yima/trust-list.json?zone={zone}",
                                trust_list(there, standard, zone), now, local, allow_http=True)


def _to(target: Database, standard: MatterStandard, at: datetime) -> delivery.Transport:
    def transport(url: str, message: bytes) -> tuple[int, dict[str, Any]]:
        receipt, replayed = inbox.receive(target, standard, message, at)
        return 200, {"receipt": delivery.b64(receipt), "replayed": replayed}
    return transport


def _deliver_waiting(source: Database, target: Database, standard: MatterStandard, at: datetime) -> None:
    delivery.render_due(source, standard, at)  # the licence PDFs its decisions wait for, made at their time
    with source.read() as session:
        waiting = list(session.scalars(select(OutboxMessage.id).where(OutboxMessage.delivered_at.is_(None))
                                       .order_by(OutboxMessage.created_at)))
    for message_id in waiting:
        if not delivery.deliver_one(source, message_id, standard, _to(target, standard, at), now=at):
            raise RuntimeError(f"history message {message_id} was not delivered")


def seed_cross_region_history(accepting: Database, issuing: Database, standard: MatterStandard, applicant_id: int,
                              *, count: int = CROSS_REGION_2021, seed: int = 28, accepting_url: str = "",
                              issuing_url: str = "") -> Iterator[str]:
    """``count`` applications forwarded between 2021-01-04 and 2021-08-27, approved and delivered;
    the zones become partners first if they are not yet. Those already forwarded in 2021 (an
    interrupted run) are not forwarded again: the run carries on with the next one."""
    url = get_settings().public_base_url
    partner_up(accepting, issuing, standard, accepting_url or url, issuing_url or url,
               datetime(2021, 1, 1, tzinfo=UTC))
    rng = random.Random(seed)
    days = sorted(rng.sample(range((date(2021, 8, 27) - date(2021, 1, 4)).days), count))
    with accepting.read() as session:
        user = session.get(User, applicant_id)
        assert user is not None
        actor = actor_of(user)
    with accepting.read() as session:
        done = session.scalar(select(func.count()).select_from(Case).where(
            Case.role == CaseRole.ACCEPTING, Case.created_at < datetime(2022, 1, 1, tzinfo=UTC))) or 0
    if done >= count:
        yield f"cross-region: the {count} cross-region licences of 2021 are already stored"
        return
    with service.sending_paused():
        for i, day in enumerate(days):
            at = datetime(2021, 1, 4, 1, 30, tzinfo=UTC) + timedelta(days=day, minutes=7 * i)
            body = _body(i, rng)
            if i < done:
                continue
            service.forward(accepting, standard, actor, ApplicationIn.model_validate(body), at)
            _deliver_waiting(accepting, issuing, standard, at)
            _deliver_waiting(issuing, accepting, standard, at + timedelta(seconds=1))
    yield (f"cross-region: {count} applications accepted at {ACCEPTING} in 2021, registered by {ISSUING} and their "
           "licences delivered back (跨省异地办照)")
