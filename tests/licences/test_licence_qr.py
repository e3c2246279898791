"""Text forms of the licence and its QR code: segno renders, zxing-cpp reads back."""

from __future__ import annotations

import base64
import io
import re
import zlib

import pytest
import segno
from licence_samples import BASE_URL, KEYRING, LICENCE
from PIL import Image

from yima.licences.cose import sign_licence
from yima.licences.errors import MalformedLicence
from yima.licences.qr import (
    QR_ALPHANUMERIC,
    decode_qr_image,
    extract_cose_bytes,
    licence_base45,
    licence_url,
    qr_facts,
    render_qr_png,
    render_qr_svg,
)


@pytest.fixture
def cose() -> bytes:
    return sign_licence(LICENCE, KEYRING)


def test_url_form_is_uppercase_base32_of_the_compressed_cose(cose: bytes) -> None:
    url = licence_url(cose, BASE_URL + "/")
    prefix = "HTTPS://YIMA.CQGXQ.GOV.CN/V/"
    assert url.startswith(prefix)
    segment = url[len(prefix):]
    assert "=" not in segment
    assert zlib.decompress(base64.b32decode(segment + "=" * (-len(segment) % 8))) == cose


def test_url_form_fits_the_qr_alphanumeric_mode(cose: bytes) -> None:
    url = licence_url(cose, BASE_URL)
    assert set(url) <= QR_ALPHANUMERIC
    assert segno.make(url, error="m", boost_error=False).mode == "alphanumeric"
    assert qr_facts(url).mode == "alphanumeric"


def test_base45_form_has_the_versioned_prefix_and_is_alphanumeric(cose: bytes) -> None:
    text = licence_base45(cose)
    assert text.startswith("YM1:")
    assert set(text) <= QR_ALPHANUMERIC
    assert qr_facts(text).mode == "alphanumeric"


@pytest.mark.parametrize("form", ["url", "lower", "segment", "base45", "padded"])
def test_every_accepted_form_gives_back_the_cose_bytes(cose: bytes, form: str) -> None:
    url = licence_url(cose, BASE_URL)
    text = {
        "url": url,
        "lower": url.lower(),
        "segment": url.rsplit("/", 1)[1].lower(),
        "base45": licence_base45(cose),
        "padded": f"  {url}/\n",
    }[form]
    assert extract_cose_bytes(text) == cose


def test_base_url_outside_the_alphanumeric_set_is_refused(cose: bytes) -> None:
    with pytest.raises(ValueError):
        licence_url(cose, "https://yima_zone.example.cn")
    with pytest.raises(ValueError):
        licence_url(cose, "yima.example.cn")


def test_png_is_read_back_by_zxing(cose: bytes) -> None:
    for text in (licence_url(cose, BASE_URL), licence_base45(cose)):
        png = render_qr_png(text)
        assert png.startswith(b"\x89PNG")
        assert decode_qr_image(png) == text


def test_the_drawn_symbol_is_the_one_segno_makes_for_the_samples(cose: bytes) -> None:
    """zxing-cpp's encoder draws the code; for both forms of the three-permit sample it makes the
    very symbol segno makes (same version, mode, level and lowest-penalty mask), pixel for pixel."""
    for text in (licence_url(cose, BASE_URL), licence_base45(cose)):
        reference = io.BytesIO()
        segno.make(text, error="M", boost_error=False, micro=False).save(reference, kind="png", scale=8, border=2)
        ours = Image.open(io.BytesIO(render_qr_png(text, scale=8, border=2)))
        theirs = Image.open(reference)
        assert ours.size == theirs.size and ours.mode == "1"
        assert ours.convert("L").tobytes() == theirs.convert("L").tobytes()


def test_the_svg_draws_the_same_symbol_and_reads_back(cose: bytes) -> None:
    text = licence_url(cose, BASE_URL)
    svg = render_qr_svg(text, scale=3, border=4)
    width = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))  # type: ignore[union-attr]
    assert width == qr_facts(text).modules + 8 and f'width="{width * 3}"' in svg
    picture = Image.new("L", (width, width), 255)
    for x, y, run in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", svg):
        picture.paste(0, (int(x), int(y), int(x) + int(run), int(y) + 1))
    png = Image.open(io.BytesIO(render_qr_png(text, scale=1, border=4))).convert("L")
    assert picture.tobytes() == png.tobytes()
    out = io.BytesIO()
    picture.resize((width * 4, width * 4), Image.Resampling.NEAREST).save(out, format="PNG")
    assert decode_qr_image(out.getvalue()) == text


def test_photo_like_jpeg_is_read(cose: bytes) -> None:
    text = licence_url(cose, BASE_URL)
    image = Image.open(io.BytesIO(render_qr_png(text, scale=5))).convert("RGB")
    image = image.rotate(7, expand=True, fillcolor="white")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=70)
    assert decode_qr_image(out.getvalue()) == text


def test_svg_is_an_svg_document(cose: bytes) -> None:
    svg = render_qr_svg(licence_url(cose, BASE_URL))
    assert svg.startswith("<svg") and "</svg>" in svg


def test_image_without_a_qr_code_is_refused() -> None:
    out = io.BytesIO()
    Image.new("RGB", (200, 200), "white").save(out, format="PNG")
    with pytest.raises(MalformedLicence):
        decode_qr_image(out.getvalue())
    with pytest.raises(MalformedLicence):
        decode_qr_image(b"not an image")


def test_three_permit_licence_fits_a_version_19_symbol_at_level_m(cose: bytes) -> None:
    """The figures docs/licence-qr-format.md and the README report for the three-permit sample at
    level M: the URL form is 886 characters in a version 19 symbol (93 × 93 modules), the base45
    form 808 characters in version 18 (89 × 89)."""
    assert len(LICENCE.permits) == 3
    url = qr_facts(licence_url(cose, BASE_URL))
    assert (url.error, url.characters, url.version, url.modules) == ("M", 886, 19, 93)
    base45 = qr_facts(licence_base45(cose))
    assert (base45.error, base45.characters, base45.version, base45.modules) == ("M", 808, 18, 89)


def test_base32_with_impossible_length_or_spare_bits_is_refused(cose: bytes) -> None:
    url = licence_url(cose, BASE_URL)
    segment = url.rsplit("/", 1)[1]
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".index(segment[-1])
    spare = (len(segment) * 5) % 8
    if spare:
        with pytest.raises(MalformedLicence):
            extract_cose_bytes(url[:-1] + "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[last | 1])
    for cut in range(1, 8):
        text = url[:-cut]
        if (len(segment) - cut) * 5 % 8 >= 5:
            with pytest.raises(MalformedLicence):
                extract_cose_bytes(text)
