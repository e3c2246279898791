"""Uploaded files, shared by every feature that takes them (registration materials, contracts to
seal, observers' attachments, project evidence): accepted by their content, not their name or
declared type, size-limited, and stored once under their SHA-256 hash.

Content is parsed, not sniffed: the magic bytes choose the parser, then a PDF is opened with
pyHanko's reader within the PDF limits and refused if it holds active content (JavaScript, launch
actions, event actions, embedded files; ``yima.pdfcheck``), and an image is decoded in full by
Pillow (a PNG header followed by junk is refused). Both run in a child process with a budget
(``yima.bounded``). A file whose first kilobyte carries HTML markup (what a browser that sniffs
would render as a page: an HTML/PDF polyglot) is refused whatever else it is. Files are written
to a temporary file, flushed to disk and renamed into place, so a file at its hash path is whole;
one found there that does not match its hash (left by a crash before this rule) is replaced.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
import warnings
from io import BytesIO
from pathlib import Path
from urllib.parse import quote

from PIL import Image

from yima.bounded import Subject, run_bounded
from yima.errors import DomainError
from yima.pdfcheck import PDF, PdfLimits, configured_limits, inspect_pdf

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


IMAGE = Subject("upload", "图片", "the image")
PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
MAX_PIXELS = 50_000_000  # a 10 MB upload that decodes to more is a decompression bomb

# Tags a browser's content sniffing takes for HTML (WHATWG MIME Sniffing, "identifying a resource
# with an unknown MIME type"), plus SVG and XML that can carry script. Searched, case-insensitively,
# in the first kilobyte, where sniffing looks; none can occur in a PDF's header or a JPEG/PNG's.
HTML_MARKUP = re.compile(rb"<(?:!doctype\s+html|html|head|body|script|iframe|object|embed|meta|style|title|"
                         rb"svg|form|img|\?xml)[\s>/]", re.IGNORECASE)


def _polyglot(filename: str) -> DomainError:
    return DomainError("upload.polyglot", "file", f"{filename} 含有网页（HTML）标记，不予接受",
                       f"{filename} carries web page (HTML) markup and is not accepted")


def check_upload(filename: str, content: bytes, max_bytes: int, *, parse: bool = True) -> str:
    """The content type of an acceptable upload, or a DomainError naming the rule. With ``parse``
    (the default) the file is also opened (``read_content``) in a child process within the PDF
    limits; sealing and seal checks pass ``parse=False`` and do that in their own child."""
    if not content:
        raise DomainError("upload.empty", "file", "上传的文件为空", "The uploaded file is empty")
    if len(content) > max_bytes:
        raise DomainError("upload.too_large", "file", f"文件超过 {_size(max_bytes)} 上限",
                          f"The file exceeds the {_size(max_bytes)} limit")
    content_type = next((kind for magic, kind in SIGNATURES if content.startswith(magic)), None)
    if content_type is None:
        raise DomainError("upload.type", "file", f"{filename} 不是 PDF、JPEG 或 PNG 文件",
                          f"{filename} is not a PDF, JPEG or PNG file")
    if HTML_MARKUP.search(content[:1024]):
        raise _polyglot(filename)
    if parse:
        limits = configured_limits()
        subject = PDF if content_type == "application/pdf" else IMAGE
        run_bounded(read_content, content, content_type, limits, budget=limits.budget, subject=subject)
    return content_type


def read_content(content: bytes, content_type: str, limits: PdfLimits) -> None:
    """Open the file as what its magic bytes say: a PDF within ``limits`` and without active
    content, or an image decoded in full. Runs in a child process (``run_bounded``)."""
    if content_type == "application/pdf":
        inspect_pdf(content, limits, True)
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(content), formats=[PILLOW_FORMATS[content_type]]) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise Image.DecompressionBombError(f"{image.width}x{image.height}")
                image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DomainError("upload.image_unreadable", "file", "图片无法完整解码（文件已损坏或不是图片）",
                          "the image cannot be decoded in full (it is damaged or not an image)") from exc


def upload_path(data_dir: Path, digest: str) -> Path:
    return data_dir / "uploads" / digest[:2] / digest


def _intact(path: Path, digest: str) -> bool:
    """Whether the file at ``path`` exists and its SHA-256 is ``digest``."""
    try:
        with path.open("rb") as stored:
            return hashlib.file_digest(stored, "sha256").hexdigest() == digest
    except FileNotFoundError:
        return False


def store_upload(data_dir: Path, content: bytes) -> str:
    """Store the content under its SHA-256, once: the same file uploaded twice is kept once, and a
    file at the hash path counts only if its bytes hash to it (otherwise this one replaces it).
    Written to a temporary file beside it, flushed to disk, then renamed into place."""
    digest = hashlib.sha256(content).hexdigest()
    target = upload_path(data_dir, digest)
    target.parent.mkdir(parents=True, exist_ok=True)
    if _intact(target, digest):
        return digest
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{digest[:16]}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power loss
    finally:
        os.close(directory)
    return digest


def attachment_disposition(filename: str) -> str:
    """``Content-Disposition: attachment`` for a stored file, its name possibly Chinese (RFC 6266,
    RFC 5987): a browser saves it, never renders it in the site's origin."""
    name = clean_filename(filename, "download")
    fallback = name.encode("ascii", "replace").decode("ascii").replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
