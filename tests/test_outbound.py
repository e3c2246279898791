"""Outbound fetches on a budget, against a hostile server on 127.0.0.1: a redirect to another port,
an endless body, a body dripped a byte a second."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from yima.errors import DomainError
from yima.outbound import fetch


class Hostile(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        port = self.server.server_address[1]
        if self.path == "/ok":
            self._send(b'{"ok": true}')
        elif self.path == "/same-origin":
            self._redirect(f"http://127.0.0.1:{port}/ok")
        elif self.path == "/other-port":
            self._redirect(f"http://127.0.0.1:{port + 1}/ok")
        elif self.path == "/endless":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"x" * 65536
            try:
                while True:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError:
                return
        elif self.path == "/drip":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            try:
                for _ in range(100):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(1)
            except OSError:
                return

    def _send(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, to: str) -> None:
        self.send_response(302)
        self.send_header("Location", to)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture(scope="module")
def hostile() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_document_is_read_and_a_same_origin_redirect_followed(hostile: str) -> None:
    assert fetch(hostile + "/ok").content == b'{"ok": true}'
    fetched = fetch(hostile + "/same-origin")
    assert fetched.content == b'{"ok": true}' and fetched.url.endswith("/ok")


def test_a_redirect_to_another_port_is_refused(hostile: str) -> None:
    with pytest.raises(DomainError) as caught:
        fetch(hostile + "/other-port")
    assert caught.value.findings[0].rule == "outbound.redirect"


def test_an_endless_body_stops_at_the_size_limit(hostile: str) -> None:
    started = time.monotonic()
    with pytest.raises(DomainError) as caught:
        fetch(hostile + "/endless", max_bytes=1024 * 1024)
    assert caught.value.findings[0].rule == "outbound.too_large"
    assert time.monotonic() - started < 5


def test_a_dripping_body_is_cut_at_the_total_timeout(hostile: str) -> None:
    started = time.monotonic()
    with pytest.raises(DomainError) as caught:
        fetch(hostile + "/drip", timeout_s=1.5)
    elapsed = time.monotonic() - started
    assert caught.value.findings[0].rule == "outbound.timeout"
    assert elapsed < 3, f"the total timeout was not kept: {elapsed:.1f}s"
