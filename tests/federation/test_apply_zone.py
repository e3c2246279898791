"""/apply never preselects a partner zone, even when asked by ``?zone=`` or after an application
forwarded there: the founder chooses it explicitly."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.db, pytest.mark.e2e]


def test_a_partner_zone_is_never_preselected(server, guangzhou):
    with server.client("alice") as alice:
        asked = alice.get("/apply", params={"zone": "gz-gxq"}).text
    assert 'value="gz-gxq" selected' not in asked
    assert '<option value="" selected>请选择开发区</option>' in asked
    assert "请选择为您的企业办理登记的开发区" in asked
