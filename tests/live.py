"""A real uvicorn server on 127.0.0.1 for end-to-end tests (the ``server`` fixture uses it).

Kept out of ``conftest.py`` so that test modules can import it: several folders of the suite have
a ``conftest.py`` of their own, and ``from conftest import …`` would find whichever came first.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from factories import PASSWORD
from yima.config import Settings
from yima.db import Database
from yima.outbound import tls


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """A real uvicorn server on 127.0.0.1 serving the app on the test database."""

    def __init__(self, database: Database, data_dir: Path, **settings_overrides: object) -> None:
        from yima.app.web import create_app

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        settings = Settings(database_url=database.url, data_dir=data_dir, public_base_url=self.url,
                            secret_key="test-secret-key-0123456789abcdef0123", max_upload_bytes=200_000,
                            **settings_overrides)  # type: ignore[arg-type]
        self.app = create_app(settings, database)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60  # a loaded two-core machine may take a while to schedule it
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def client(self, username: str | None = None, password: str = PASSWORD) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=60, verify=tls())  # 4 workers share 2 cores in CI
        if username:
            response = httpx.post(f"{self.url}/api/v1/auth/token", data={"username": username, "password": password},
                                  timeout=60, verify=tls())
            response.raise_for_status()
            client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        return client
