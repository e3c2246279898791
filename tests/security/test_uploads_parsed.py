"""Issue 20, finding 9: uploads parsed, not sniffed, and stored atomically.

Before: the type was checked by magic bytes only, so an HTML/PDF polyglot, a PDF with
``/OpenAction`` JavaScript and a PNG header followed by junk were accepted; ``store_upload``
wrote in place and trusted any file at the hash path, so a partial file left by an interrupted
write was served for ever and a re-upload never repaired it; attachments were served inline.
"""

from __future__ import annotations

import hashlib
from io import BytesIO

import pytest
from PIL import Image

from factories import tiny_pdf, tiny_png
from hostile_pdfs import ACTIVE, MALFORMED
from yima.errors import DomainError
from yima.uploads import attachment_disposition, check_upload, store_upload, upload_path

LIMIT = 1024 * 1024


def refused(content: bytes) -> str:
    with pytest.raises(DomainError) as caught:
        check_upload("x", content, LIMIT)
    assert 400 <= caught.value.status < 500
    return caught.value.finding.rule


def jpeg() -> bytes:
    out = BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def test_well_formed_files_are_accepted_by_what_they_are() -> None:
    assert check_upload("a.pdf", tiny_pdf(), LIMIT) == "application/pdf"
    assert check_upload("a.png", tiny_png(), LIMIT) == "image/png"
    assert check_upload("a.jpg", jpeg(), LIMIT) == "image/jpeg"


@pytest.mark.parametrize("name", list(ACTIVE))
def test_a_pdf_with_active_content_is_refused(name: str) -> None:
    assert refused(ACTIVE[name]) == "pdf.active_content"


def test_an_html_pdf_polyglot_is_refused() -> None:
    polyglot = b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n" + tiny_pdf()[9:]
    assert refused(polyglot) == "upload.polyglot"
    assert refused(tiny_png()[:8] + b"<!DOCTYPE html><script>x</script>") == "upload.polyglot"


def test_a_png_header_followed_by_junk_and_a_cut_image_are_refused() -> None:
    assert refused(b"\x89PNG\r\n\x1a\n" + b"\0" * 64) == "upload.image_unreadable"
    assert refused(b"\x89PNG\r\n\x1a\n" + b"junk" * 100) == "upload.image_unreadable"
    whole = jpeg()
    assert refused(whole[: len(whole) // 2]) == "upload.image_unreadable"


@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_malformed_pdf_upload_is_refused_with_its_rule(name: str) -> None:
    pdf, rule = MALFORMED[name]
    assert refused(pdf) in (rule, "pdf.page_tree", "pdf.too_many_pages")


def test_a_partial_file_at_the_hash_path_is_repaired_by_the_next_upload(tmp_path) -> None:
    content = tiny_pdf("evidence") * 3
    digest = hashlib.sha256(content).hexdigest()
    target = upload_path(tmp_path, digest)
    target.parent.mkdir(parents=True)
    target.write_bytes(content[:50])  # what an interrupted in-place write left
    assert store_upload(tmp_path, content) == digest
    assert target.read_bytes() == content
    assert [p.name for p in target.parent.iterdir()] == [digest]  # no temporary file left behind
    before = target.stat().st_mtime_ns
    assert store_upload(tmp_path, content) == digest
    assert target.stat().st_mtime_ns == before  # a whole file is kept, not rewritten


def test_downloads_are_attachments() -> None:
    assert attachment_disposition("证明.pdf").startswith("attachment; filename=")
    assert "%E8%AF%81%E6%98%8E.pdf" in attachment_disposition("证明.pdf")
    assert "\n" not in attachment_disposition('a"\n.pdf')
