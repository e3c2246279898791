"""Uploaded materials: accepted by their content (magic bytes), not their name or declared type."""

from __future__ import annotations

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
