"""The demo's 好差评: the demo applicants rate their decided applications, one bad rating goes
through the reform office's ledger (called back, put right, rated again), so that the ratings
figures on the dashboard and ``/ratings`` show something.

Every rating goes through the ratings service, as on the application page, at the time the demo is seeded,
when the demo's applications are decided (never in 2021: the 2021 report's figures stay as
published). It resumes: a case already rated
is left as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select

from yima.accounts.service import SharedPassword, add_user
from yima.accounts.tables import User
from yima.actors import Actor
from yima.db import Database
from yima.demo.users import demo_actor, demo_password
from yima.ratings import service as ratings
from yima.ratings.tables import Rating, Rectification
from yima.registration.status import Status
from yima.registration.tables import Application

ZONE = "cq-gxq"
OFFICE_USER = "reform-cq"
#: (applicant, application name, score, indicators, comment) — the rating of the first round.
RATINGS: tuple[tuple[str, str, int, tuple[str, ...], str], ...] = (
    ("alice", "重庆云帆科技有限公司", 5, ("online",), "全程网办，当天拿到执照。"),
    ("alice", "重庆嘉陵酒店管理有限公司", 4, ("time_limit",), "承诺制办理，省去了跑现场。"),
    ("alice", "重庆红艳美容美发有限公司", 4, ("attitude",), "窗口人员讲解耐心。"),
    ("bob", "重庆山城餐饮管理有限公司", 2, ("guide", "materials"), "办事指南没写清食品经营的材料要求，补交了两次。"),
)
#: The bad rating's way through the office's ledger, and the applicant's rating after it.
CALL_BACK = "已电话回访申请人，了解到办事指南对食品经营材料的说明不清。"
PUT_RIGHT = "已修订办事指南的食品经营材料清单并附示范文本，窗口提供材料预审。"
AGAIN = (4, ("guide",), "办事指南已改清楚，回访及时。")


def seed_ratings(db: Database, now: datetime, password: str | SharedPassword) -> Iterator[str]:
    """Rate the demo's decided applications (those not rated yet), and put the bad rating right."""
    with db.read() as session:
        present = session.scalar(select(User.id).where(User.username == OFFICE_USER))
    if present is None:
        add_user(db, OFFICE_USER, "reform_office", demo_password(password), now, zone_id=ZONE,
                 display_name="重庆高新区营商环境改革办 刘专员")
    office = demo_actor(db, OFFICE_USER)
    people: dict[str, Actor] = {}
    rated = 0
    for username, name, score, indicators, comment in RATINGS:
        if username not in people:
            people[username] = demo_actor(db, username)
        person = people[username]
        with db.read() as session:
            app = session.execute(select(Application.id, Application.status).where(
                Application.applicant_id == person.id, Application.name == name, Application.zone_id == ZONE)).first()
            done = app is not None and session.scalar(select(Rating.id).where(
                Rating.case_kind == ratings.APPLICATION, Rating.case_id == app.id).limit(1)) is not None
        if app is None or done or app.status not in (Status.APPROVED, Status.REJECTED):
            continue
        rating_id = ratings.rate(db, person, ratings.APPLICATION, app.id, score, indicators, comment, now)
        rated += 1
        with db.read() as session:
            rect = session.scalar(select(Rectification.id).where(Rectification.rating_id == rating_id))
        if rect is not None:  # a bad rating: called back, put right, rated again
            ratings.call_back(db, office, rect, CALL_BACK, now)
            ratings.put_right(db, office, rect, PUT_RIGHT, now)
            again, again_indicators, again_comment = AGAIN
            ratings.rate(db, person, ratings.APPLICATION, app.id, again, again_indicators, again_comment,
                         now)
            rated += 1
    yield (f"ratings: {rated} ratings of the demo's decided applications (好差评), one bad rating called back, "
           f"put right and rated again (user {OFFICE_USER}, reform office of {ZONE}); see /ratings")
