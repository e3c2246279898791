"""Revision 0019 (seal looks): seals made before keep the pictures they were made with, and are
served from them, until ``yima seal compact-images`` finds they redraw identically."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from previous_release import previous_release

from yima.db import Database
from yima.db.migrate import upgrade
from yima.seals import service

AT = datetime(2026, 11, 1, 2, 0, tzinfo=UTC).isoformat()


def test_seals_before_the_looks_keep_their_stored_pictures(tmp_path) -> None:
    url, engine = previous_release(tmp_path, "0018")
    png, svg = b"\x89PNG stored by 0018", "<svg>stored by 0018</svg>"
    with engine.begin() as conn:  # foreign keys are not enforced on this bare connection
        conn.execute(sa.text("INSERT INTO seal_sets (id, uscc, zone_id, status, requested_at, issued_at) "
                             "VALUES (1, '91500000MA5U7Y2K3B', 'cq-gxq', 'issued', :at, :at)"), {"at": AT})
        conn.execute(sa.text("INSERT INTO seals (id, set_id, position, type, format, cert_serial, cert_pem, key_pem, "
                             "image_svg, image_png, status, created_at) VALUES ('0123456789abcdef', 1, 0, "
                             "'company', 'x509-pades', 'ab', 'PEM', 'KEY', :svg, :png, 'active', :at)"),
                     {"svg": svg, "png": png, "at": AT})
    upgrade(url)
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT image_png, image_svg, look_name, look_uscc, look_person, cert_pem "
                                   "FROM seals")).one()
    engine.dispose()
    assert (row.image_png, row.image_svg, row.cert_pem) == (png, svg, "PEM")
    assert (row.look_name, row.look_uscc, row.look_person) == (None, None, None)
    db = Database(url)
    try:
        assert service.seal_image(db, "0123456789abcdef", "png") == png
        assert service.seal_image(db, "0123456789abcdef", "svg") == svg.encode()
    finally:
        db.dispose()
