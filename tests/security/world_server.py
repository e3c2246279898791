"""The security tests' world on a database of its own, served from a process of its own.

``python world_server.py DATABASE_URL DATA_DIR LOG_FILE`` (with ``src`` and ``tests`` on the path):
the zones and people of ``zone_cq`` and ``people``, a live server as the ``server`` fixture starts it,
the world of the ``world`` fixture; it prints the world's address, tokens and ids as one JSON line,
serves until its standard input is closed, and stops. The schemathesis test serves its second
database so: the app keeps per-process caches keyed without the database (signing keys read, zones'
settings, users whose tokens were checked, credit codes taken ahead), which two databases served
from one process would share. The database must be empty and migrated (``postgres_db``). Its log
records go to LOG_FILE, in the run's log folder, which the suite scans for personal data.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path


def main(url: str, data_dir: str, log_file: str) -> int:
    import conftest  # the suite's own settings, as in the test process: cheap Argon2, every feature
    from live import LiveServer
    from security.fixtures import furnish
    from yima.db import Database
    from yima.web.logs import JsonFormatter

    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(JsonFormatter())
    for name, level in (("yima", logging.INFO), ("uvicorn", logging.WARNING)):  # as conftest's pytest_configure
        logging.getLogger(name).setLevel(level)
        logging.getLogger(name).addHandler(handler)
    database = Database(url)
    conftest.add_zones(database)
    conftest.add_people(database)
    with LiveServer(database, Path(data_dir)) as live:
        world = furnish(live.url, live.app.state.settings.secret_key, Path(data_dir), database)
        print(json.dumps({"url": world.url, "tokens": world.tokens, "uscc": world.uscc, "segment": world.segment,
                          "seal_id": world.seal_id, "app_id": world.app_id, "permit_id": world.permit_id}),
              flush=True)
        sys.stdin.read()  # until the test closes it
        world.close()
    database.dispose()
    handler.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
