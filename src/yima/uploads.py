"""Uploaded documents: accepted by their content (magic bytes), not their name or declared type,
within a size limit, and stored once under their SHA-256 (``uploads/ab/abcd…`` in the data folder).

Shared by every feature that keeps documents: an applicant's materials, a project stage's evidence.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from yima.errors import DomainError

SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def check_upload(filename: str, content: bytes, max_bytes: int) -> str:
    """The content type of an acceptable upload, or a DomainError naming the rule."""
    if not content:
        raise DomainError("upload.empty", "file", "上传的文件为空", "The uploaded file is empty")
    if len(content) > max_bytes:
        raise DomainError("upload.too_large", "file", f"文件超过 {max_bytes // (1024 * 1024)} MB 上限",
                          f"The file exceeds the {max_bytes // (1024 * 1024)} MB limit")
    for magic, content_type in SIGNATURES:
        if content.startswith(magic):
            return content_type
    raise DomainError("upload.type", "file", f"{filename} 不是 PDF、JPEG 或 PNG 文件",
                      f"{filename} is not a PDF, JPEG or PNG file")


def stored_path(data_dir: Path, digest: str) -> Path:
    return data_dir / "uploads" / digest[:2] / digest


def store_by_hash(data_dir: Path, content: bytes) -> str:
    """Keep the content under its SHA-256 (once, however often it is uploaded); the hex digest."""
    digest = hashlib.sha256(content).hexdigest()
    target = stored_path(data_dir, digest)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.write_bytes(content)
    return digest
