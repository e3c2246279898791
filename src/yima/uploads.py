"""Uploaded files, shared by every feature that takes them (registration materials, contracts to
seal, observers' attachments): accepted by their content (magic bytes), not their name or
declared type, size-limited, and stored once under their SHA-256 hash."""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path

from yima.errors import DomainError

MAX_FILENAME = 255

SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def clean_filename(name: str | None, default: str = "upload") -> str:
    """An uploaded file's name as it may be stored and shown: its last path component (``/`` or
    ``\\``), without control or formatting characters (NUL, CR/LF, right-to-left overrides), at
    most 255 characters. The name is only a label: stored files are named by their SHA-256."""
    last = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(ch for ch in last if not unicodedata.category(ch).startswith("C")).strip()
    if kept in ("", ".", ".."):
        return default
    if len(kept) > MAX_FILENAME:
        stem, dot, ext = kept.rpartition(".")
        kept = (stem[:MAX_FILENAME - len(ext) - 1] + dot + ext) if dot and len(ext) <= 16 else kept[:MAX_FILENAME]
    return kept


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


def check_upload(filename: str, content: bytes, max_bytes: int) -> str:
    """The content type of an acceptable upload, or a DomainError naming the rule."""
    if not content:
        raise DomainError("upload.empty", "file", "上传的文件为空", "The uploaded file is empty")
    if len(content) > max_bytes:
        raise DomainError("upload.too_large", "file", f"文件超过 {_size(max_bytes)} 上限",
                          f"The file exceeds the {_size(max_bytes)} limit")
    for magic, content_type in SIGNATURES:
        if content.startswith(magic):
            return content_type
    raise DomainError("upload.type", "file", f"{filename} 不是 PDF、JPEG 或 PNG 文件",
                      f"{filename} is not a PDF, JPEG or PNG file")


def upload_path(data_dir: Path, digest: str) -> Path:
    return data_dir / "uploads" / digest[:2] / digest


def store_upload(data_dir: Path, content: bytes) -> str:
    """Store the content under its SHA-256 (once: the same file uploaded twice is kept once)."""
    digest = hashlib.sha256(content).hexdigest()
    target = upload_path(data_dir, digest)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.write_bytes(content)
    return digest
