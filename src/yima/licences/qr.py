"""Text forms of the signed licence, and the QR code that carries them (ISO/IEC 18004).

Two text forms hold the same zlib-compressed COSE_Sign1 and both fit the QR alphanumeric mode
(``0-9 A-Z space $ % * + - . / :``):

* the URL form ``{BASE URL IN UPPER CASE}/V/{base32}``, RFC 4648 §6 base32 without ``=``
  padding. A phone camera opens it on the zone's public page (``GET /v/{b32}``; host and scheme
  are case-insensitive, the route matches the path case-insensitively). This is what Yima prints.
* the base45 form ``YM1:{base45}`` (RFC 9285), ``YM1`` naming format version 1 the way ``HC1:``
  does for EU health certificates. It is about 9% shorter, but no phone opens it.

QR codes are drawn at error correction level M by zxing-cpp's encoder and read by its decoder;
segno reports a symbol's version and mode (``qr_facts``).
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass
from functools import lru_cache

import base45
import segno
import zxingcpp
from PIL import Image, ImageOps, UnidentifiedImageError

from yima.licences.cose import compress, decompress
from yima.licences.errors import MalformedLicence

BASE45_PREFIX = "YM1:"
URL_MARKER = "/V/"
QR_ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
ERROR_CORRECTION = "M"
_BASE32 = re.compile(r"^[A-Z2-7]+$")
_TO_BASE32HEX = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHIJKLMNOPQRSTUV")


@dataclass(frozen=True)
class QrFacts:
    version: int
    modules: int  # width of the symbol in modules, without the quiet zone
    mode: str | None  # None when the text needs segments of several modes
    error: str | None  # None only for the smallest Micro QR symbol, which a licence never is
    characters: int


def licence_url(cose: bytes, base_url: str) -> str:
    """The URL form; ``base_url`` is the zone's public address, e.g. ``https://yima.example.cn``."""
    base = base_url.strip().rstrip("/").upper()
    if not (base.startswith("HTTPS://") or base.startswith("HTTP://")):
        raise ValueError(f"{base_url!r} is not an http(s) URL")
    outside = sorted(set(base) - QR_ALPHANUMERIC)
    if outside:
        raise ValueError(f"{base_url!r} has characters outside the QR alphanumeric set: {''.join(outside)}")
    segment = base64.b32encode(compress(cose)).decode("ascii").rstrip("=")
    return f"{base}{URL_MARKER}{segment}"


def licence_base45(cose: bytes) -> str:
    return BASE45_PREFIX + base45.b45encode(compress(cose)).decode("ascii")


def extract_cose_bytes(text: str) -> bytes:
    """The COSE_Sign1 bytes of a licence text: the URL form (any case), its bare base32 segment,
    or the base45 form. ``MalformedLicence`` when the text is none of them."""
    text = text.strip()
    upper = text.upper()
    if upper.startswith(BASE45_PREFIX):
        try:
            compressed = base45.b45decode(text[len(BASE45_PREFIX):])
        except (ValueError, TypeError) as exc:
            raise MalformedLicence(f"the base45 text is invalid: {exc}") from exc
        return decompress(compressed)
    marker = upper.rfind(URL_MARKER)
    segment = upper[marker + len(URL_MARKER):] if marker >= 0 else upper
    segment = segment.rstrip("/")
    if not _BASE32.match(segment):
        raise MalformedLicence("the text is neither a Yima licence URL (…/V/<base32>) nor YM1:<base45>")
    return decompress(_b32decode(segment))


def _b32decode(segment: str) -> bytes:
    """RFC 4648 base32 without padding, strictly: the spare bits of the last character must be 0.

    ``base64.b32decode`` is pure Python and as slow as the Ed25519 check itself; mapping the
    alphabet onto base32hex (0-9A-V) lets ``int(…, 32)`` do the work in C.
    """
    size, spare = divmod(len(segment) * 5, 8)
    if spare >= 5:
        raise MalformedLicence(f"a base32 text of {len(segment)} characters is impossible")
    value = int(segment.translate(_TO_BASE32HEX), 32)
    if value & ((1 << spare) - 1):
        raise MalformedLicence("the base32 text has non-zero spare bits")
    return (value >> spare).to_bytes(size, "big")


def _symbol(text: str) -> segno.QRCode:
    return segno.make(text, error=ERROR_CORRECTION, boost_error=False, micro=False)


@lru_cache(maxsize=64)
def _modules(text: str) -> Image.Image:
    """The symbol, one pixel a module (mode ``L``: 0 dark, 255 light), without its quiet zone.

    zxing-cpp's encoder (libzint) makes it in a few milliseconds: the same version and mode as
    segno, and it too picks the data mask of lowest penalty score (ISO/IEC 18004:2015 §7.8.3.1
    says the encoder *shall*; any of the eight masks decodes, since the format information names
    it, so a fixed mask would read but not conform). segno weighs the eight masks in pure Python,
    50–80 ms for a licence. The two score a little differently, so for about one text in four they
    pick different masks of equal standing; everything drawn here comes from this one symbol.
    """
    symbol = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=ERROR_CORRECTION)
    picture = symbol.to_image(scale=1, add_quiet_zones=False)
    side = picture.shape[0]
    return Image.frombytes("L", (side, side), bytes(picture))  # type: ignore[call-overload]  # a buffer, untyped


def render_qr_image(text: str, *, scale: int = 4, border: int = 4) -> Image.Image:
    """The symbol as a black-and-white picture (mode ``1``), ``scale`` pixels a module and ``border``
    light modules of quiet zone around it."""
    modules = _modules(text)
    framed = ImageOps.expand(modules, border=border, fill=255)
    size = ((modules.width + 2 * border) * scale,) * 2
    return framed.resize(size, Image.Resampling.NEAREST).convert("1", dither=Image.Dither.NONE)


@lru_cache(maxsize=256)
def render_qr_png(text: str, *, scale: int = 4, border: int = 4) -> bytes:
    """The code as a PNG; the same text at the same size is drawn once, as a licence's
    page, PDF, OFD and picture are fetched again and again."""
    out = io.BytesIO()
    render_qr_image(text, scale=scale, border=border).save(out, format="PNG")
    return out.getvalue()


@lru_cache(maxsize=256)
def render_qr_svg(text: str, *, scale: int = 4, border: int = 4) -> str:
    """The same symbol as an SVG document: one path of the dark runs of each row, no background."""
    modules = _modules(text)
    side = modules.width
    dark = modules.tobytes()
    runs = []
    for y in range(side):
        row = dark[y * side:(y + 1) * side]
        x = row.find(0)
        while x >= 0:
            end = row.find(255, x)
            end = side if end < 0 else end
            runs.append(f"M{x + border} {y + border}h{end - x}v1h-{end - x}z")
            x = row.find(0, end)
    width = side + 2 * border
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * scale}" height="{width * scale}" '
            f'viewBox="0 0 {width} {width}" shape-rendering="crispEdges">'
            f'<path fill="#000" d="{"".join(runs)}"/></svg>')


def qr_facts(text: str) -> QrFacts:
    symbol = _symbol(text)
    width, _ = symbol.symbol_size(scale=1, border=0)
    return QrFacts(int(symbol.version), int(width), symbol.mode, symbol.error, len(text))


def decode_qr_image(image: bytes) -> str:
    """The text of the first QR code in a PNG/JPEG (a rendered code or a photo of a licence)."""
    try:
        picture: Image.Image = Image.open(io.BytesIO(image))
        picture.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise MalformedLicence(f"not a readable image: {exc}", zh="图片无法读取", field="image") from exc
    if picture.mode not in ("L", "RGB"):
        picture = picture.convert("RGB")
    found = zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    if not found:
        raise MalformedLicence("no QR code found in the image", zh="图片中未找到二维码", field="image")
    return found[0].text
