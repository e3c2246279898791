"""The network authority's round over its members' trust lists fetches them at once (bounded)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from factories import NOW
from yima.federation import network
from yima.keys.model import ZoneKeyring, generate_signing_key
from yima.keys.trustlist import trust_list_for

MEMBERS = ("gz-gxq", "wh-gxq", "xa-gxq")


class TogetherOnly(BaseHTTPRequestHandler):
    """Answers (404) only once every member's trust list was asked for at the same time; records
    how many requests were open at once."""

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        server = self.server
        with server.lock:  # type: ignore[attr-defined]
            server.open += 1  # type: ignore[attr-defined]
            server.peak = max(server.peak, server.open)  # type: ignore[attr-defined]
        try:
            server.together.wait()  # type: ignore[attr-defined]
        except threading.BrokenBarrierError:
            pass
        with server.lock:  # type: ignore[attr-defined]
            server.open -= 1  # type: ignore[attr-defined]
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def together() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), TogetherOnly)
    server.lock, server.open, server.peak = threading.Lock(), 0, 0  # type: ignore[attr-defined]
    server.together = threading.Barrier(len(MEMBERS), timeout=3)  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_authority_fetches_its_members_trust_lists_at_once(db, standard, zone_cq, together) -> None:
    """Three members on an instance that answers only when all three lists are asked for at once:
    fetched one after another, the first request would wait alone until the barrier gave up."""
    network.init_network(db, "round", "并发测试网络", NOW)
    url = f"http://127.0.0.1:{together.server_address[1]}"
    for zone in MEMBERS:
        ring = ZoneKeyring.start(zone, generate_signing_key(NOW))
        network.list_zone(db, standard, zone, url, trust_list_for(ring, standard.digest), NOW, allow_http=True)
    assert network.follow_members(db, standard, NOW) == []  # nothing readable, nothing changed
    assert together.peak == len(MEMBERS)  # type: ignore[attr-defined]
    assert not together.together.broken  # type: ignore[attr-defined]
