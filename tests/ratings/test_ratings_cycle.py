"""好差评 through the v1 API on a live server (SQLite and PostgreSQL): the applicant rates a decided
application once; a bad rating opens an item in the reform office's ledger with its deadlines and
notifies the office; put right, the applicant is asked to rate again and may, once; an officer's
appeal upheld by the office leaves the rating out of the published figures, with a trace in the
audit log; the figures are anonymous and name nobody."""

from __future__ import annotations

import pytest

from factories import NOW, PASSWORD, application_body
from yima.accounts.service import add_user
from yima.audit import service as audit
from yima.clock import local_date, utcnow
from yima.ratings import rules

pytestmark = [pytest.mark.db, pytest.mark.e2e]


def _rule(response) -> str:
    return str(response.json()["detail"][0]["rule"])


def test_rating_to_rectification_to_rating_again(db, server):
    add_user(db, "office-cq", "reform_office", PASSWORD, NOW, zone_id="cq-gxq")
    with server.client("alice") as alice, server.client("bob") as bob, server.client("office-cq") as office, \
            server.client("officer-cq") as officer, server.client() as anonymous:
        app = alice.post("/api/v1/applications", json=application_body()).json()
        assert app["status"] == "approved"  # 秒批
        assert alice.get(f"/api/v1/applications/{app['id']}").json()["rating"] == {
            "open_to_applicant": True, "round": 1, "ratings": []}
        url = f"/api/v1/applications/{app['id']}/rating"
        assert alice.get(url).json()["may_rate"] is True
        assert officer.get(url).json()["may_rate"] is False

        # what is wrong is named, and nothing is stored
        refused = alice.post(url, json={"score": 2, "indicators": [], "comment": "跑了三次"})
        assert refused.status_code == 422 and _rule(refused) == "rating.bad_needs_indicator"
        hidden = alice.post(url, json={"score": 2, "indicators": ["visits"], "comment": "跑了\u200b三次"})
        assert hidden.status_code == 422 and "text.hidden_character" in hidden.text
        assert bob.post(url, json={"score": 5}).status_code == 404  # not bob's case
        assert officer.post(url, json={"score": 5}).status_code == 403
        assert alice.get(url).json()["ratings"] == []

        bad = alice.post(url, json={"score": 2, "indicators": ["visits", "attitude"], "comment": "窗口让我跑了三次"})
        assert bad.status_code == 201, bad.text
        rating = bad.json()
        assert rating["round"] == 1 and rating["bad"] and rating["rectification"]["state"] == "open"
        today = local_date(utcnow())
        due = rules.rectification_due(today)
        assert rating["rectification"]["callback_due_on"] == due.callback.due_on.isoformat()
        assert rating["rectification"]["fix_due_on"] == due.fix.due_on.isoformat()
        again = alice.post(url, json={"score": 5})
        assert again.status_code == 409 and _rule(again) == "rating.awaiting_rectification"

        told = office.get("/api/v1/notifications").json()["items"]
        assert [n["kind"] for n in told] == ["rating.bad"]
        assert told[0]["subject_zh"].startswith(f"差评 {today.year}-0001：申请 #{app['id']} 收到差评")
        assert "alice" not in told[0]["body_zh"] + told[0]["subject_zh"]

        ledger = office.get("/api/v1/ratings/rectifications").json()
        assert [(i["code"], i["rating"]["score"]) for i in ledger] == [(f"{today.year}-0001", 2)]
        assert officer.get("/api/v1/ratings/rectifications").status_code == 403
        item = ledger[0]["id"]
        assert office.post(f"/api/v1/ratings/rectifications/{item}/put-right", json={"note": " "}).status_code == 422
        called = office.post(f"/api/v1/ratings/rectifications/{item}/callback", json={"note": "已电话回访，了解情况"})
        assert called.status_code == 200 and called.json()["callback_on_time"] is True
        fixed = office.post(f"/api/v1/ratings/rectifications/{item}/put-right",
                            json={"note": "窗口增加帮办代办，材料一次告知"})
        assert fixed.json()["state"] == "put_right" and fixed.json()["put_right_on_time"] is True
        assert office.post(f"/api/v1/ratings/rectifications/{item}/put-right",
                           json={"note": "再次"}).status_code == 409

        asked = alice.get("/api/v1/notifications").json()["items"]
        assert asked[0]["kind"] == "rating.rate_again" and asked[0]["link"] == f"/applications/{app['id']}#rating"
        assert alice.get(url).json()["round"] == 2
        good = alice.post(url, json={"score": 5, "indicators": ["attitude"]})
        assert good.status_code == 201 and good.json()["round"] == 2 and good.json()["rectification"] is None
        third = alice.post(url, json={"score": 4})
        assert third.status_code == 409 and _rule(third) == "rating.once"

        figures = anonymous.get("/api/v1/ratings/figures", params={"zone": "cq-gxq"}).json()
        assert (figures["ratings"], figures["satisfied"], figures["bad"]) == (2, 1, 1)
        assert figures["from"] == f"{today.year}-01-01" and figures["to"] == today.isoformat()
        assert figures["by_month"][today.isoformat()[:7]]["ratings"] == 2
        assert figures["put_right_on_time"] == 1 and figures["put_right_due"] == 1
        assert figures["rows"][0]["matter"] == "establish" and figures["rows"][0]["matter_zh"]
        assert "窗口让我跑了三次" not in anonymous.get("/api/v1/ratings/figures", params={"zone": "cq-gxq"}).text

        # an officer appeals the first rating as malicious; the office upholds it
        first = rating["id"]
        assert alice.post(f"/api/v1/ratings/{first}/appeal", json={"reason": "x"}).status_code in (403, 404)
        assert officer.post(f"/api/v1/ratings/{first}/appeal", json={"reason": "评价内容与办件无关"}).status_code == 204
        assert officer.post(f"/api/v1/ratings/{first}/appeal", json={"reason": "再次"}).status_code == 409
        assert [n["kind"] for n in office.get("/api/v1/notifications").json()["items"]][0] == "rating.appealed"
        decided = office.post(f"/api/v1/ratings/{first}/appeal/decision", json={"upheld": True, "note": "核实属实"})
        assert decided.status_code == 204
        figures = anonymous.get("/api/v1/ratings/figures", params={"zone": "cq-gxq"}).json()
        assert (figures["ratings"], figures["satisfied"], figures["bad"], figures["satisfied_pct"]) == (1, 1, 0, 100.0)
        panel = alice.get(url).json()
        assert panel["ratings"][0]["appeal"]["state"] == "upheld" and panel["ratings"][0]["excluded"] is True
        assert officer.get(f"/api/v1/applications/{app['id']}").json()["rating"]["ratings"][0]["excluded"] is True

    actions = [e.event.action for e in audit._entries(db, "cq-gxq") if e.event.action.startswith(("rating", "rect"))]
    assert actions == ["rating.given", "rectification.opened", "rectification.called_back",
                       "rectification.put_right", "rating.given", "rating.appealed", "rating.appeal_upheld"]
