import hashlib
import xml.etree.ElementTree as ET
from io import BytesIO

import pytest
from PIL import Image

from yima.errors import DomainError
from yima.seals.images import DrawnImages, SealLook, name_seal_characters, seal_drawing, seal_png, seal_svg
from yima.seals.model import SealType

NAME = "重庆山城科技有限公司"
USCC = "91500000MA5U7AB12X"
SVG = "{http://www.w3.org/2000/svg}"


def _png(seal_type: SealType) -> Image.Image:
    return Image.open(BytesIO(seal_png(seal_type, NAME, USCC, person_name="张小明")))


@pytest.mark.parametrize("seal_type", list(SealType))
def test_png_is_red_ink_on_transparent(seal_type: SealType) -> None:
    image = _png(seal_type)
    assert image.format == "PNG" and image.mode == "RGBA" and image.width == 600
    data = image.tobytes()
    pixels = [tuple(data[i:i + 4]) for i in range(0, len(data), 4)]
    inked = [p for p in pixels if p[3] > 128]
    assert 0.05 < len(inked) / len(pixels) < 0.5  # mostly transparent, but clearly marked
    assert all(r > 180 and g < 40 and b < 40 for r, g, b, _ in inked)
    assert image.getpixel((0, 0))[3] == 0  # type: ignore[index]


def test_oval_seals_are_wider_than_high() -> None:
    assert _png(SealType.INVOICE).size == (600, 450)
    assert _png(SealType.COMPANY).size == (600, 600)


def test_round_seal_has_a_star_in_the_centre() -> None:
    image = _png(SealType.COMPANY)
    assert image.getpixel((300, 300))[3] == 255  # type: ignore[index]
    assert seal_drawing(SealType.COMPANY, NAME, USCC).star
    assert not seal_drawing(SealType.INVOICE, NAME, USCC).star


@pytest.mark.parametrize("seal_type", list(SealType))
def test_svg_parses_and_names_the_seal(seal_type: SealType) -> None:
    svg = seal_svg(seal_type, NAME, USCC, person_name="张小明")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    title = root.find(f"{SVG}title")
    assert title is not None and NAME in (title.text or "")
    assert "#d40000" in svg


def _svg_text(svg: str) -> str:
    """The characters the SVG draws: each is a path titled with its character."""
    return "".join((p.findtext(f"{SVG}title") or "") for p in ET.fromstring(svg).iter(f"{SVG}path"))


@pytest.mark.parametrize("seal_type", list(SealType))
def test_svg_draws_every_character_as_an_outline_needing_no_font(seal_type: SealType) -> None:
    svg = seal_svg(seal_type, NAME, USCC, person_name="张小明")
    root = ET.fromstring(svg)
    assert list(root.iter(f"{SVG}text")) == [] and "font-family" not in svg
    paths = list(root.iter(f"{SVG}path"))
    assert len(paths) == len(seal_drawing(seal_type, NAME, USCC, "张小明").glyphs)
    assert all(len(p.get("d", "")) > 20 for p in paths)


@pytest.mark.browser
def test_svg_and_png_look_the_same_in_a_browser(page) -> None:
    """Chromium draws the SVG; its ink covers the same pixels as the PNG's (Pillow, same font)."""
    import base64

    svg = seal_svg(SealType.CONTRACT, NAME, USCC)
    page.set_viewport_size({"width": 600, "height": 600})
    page.set_content('<body style="margin:0;background:#fff"><img style="display:block" width="600" height="600" '
                     f'src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}"></body>')
    page.wait_for_load_state()
    shot = Image.open(BytesIO(page.screenshot())).convert("RGB").tobytes()
    drawn = [shot[i] > 150 and shot[i + 1] < 120 for i in range(0, len(shot), 3)]
    png = _png(SealType.CONTRACT).tobytes()
    printed = [png[i] > 128 for i in range(3, len(png), 4)]
    both = sum(1 for d, p in zip(drawn, printed, strict=True) if d and p)
    either = sum(1 for d, p in zip(drawn, printed, strict=True) if d or p)
    assert both / either > 0.85, both / either


def test_svg_text_carries_name_and_seal_type() -> None:
    text = _svg_text(seal_svg(SealType.CONTRACT, NAME, USCC))
    assert text == NAME + "合同专用章"


def test_company_seal_shows_only_the_name() -> None:
    assert _svg_text(seal_svg(SealType.COMPANY, NAME, USCC)) == NAME


def test_invoice_seal_carries_the_credit_code() -> None:
    assert _svg_text(seal_svg(SealType.INVOICE, NAME, USCC)) == NAME + USCC + "发票专用章"


def test_name_characters_turn_along_the_arc() -> None:
    glyphs = seal_drawing(SealType.CONTRACT, NAME, USCC).glyphs[:len(NAME)]
    angles = [g.angle for g in glyphs]
    assert angles == sorted(angles) and angles[0] < -60 and angles[-1] > 60


@pytest.mark.parametrize("name, columns", [
    ("李雷", [["李", "雷"], ["之", "印"]]),
    ("张小明", [["张", "小"], ["明", "印"]]),
    ("欧阳娜娜", [["欧", "阳"], ["娜", "娜"]]),
    ("买买提·艾力", [["买", "买", "提"], ["·", "艾", "力"]]),
])
def test_name_seal_layout(name: str, columns: list[list[str]]) -> None:
    assert name_seal_characters(name) == columns


def test_three_character_name_seal_is_a_two_by_two_grid() -> None:
    glyphs = seal_drawing(SealType.LEGAL_REPRESENTATIVE, NAME, USCC, "张小明").glyphs
    assert [g.char for g in glyphs] == ["张", "小", "明", "印"]
    right, left = glyphs[0].x, glyphs[2].x
    assert right > left  # read from the right-hand column
    assert glyphs[0].x == glyphs[1].x and glyphs[0].y < glyphs[1].y


def test_long_names_still_fit() -> None:
    long_name = "重庆两江新区智能网联汽车研究院科技发展有限责任公司"
    drawing = seal_drawing(SealType.COMPANY, long_name, USCC)
    assert len(drawing.glyphs) == len(long_name)
    assert all(0 < g.x < drawing.width and 0 < g.y < drawing.height for g in drawing.glyphs)


def test_name_seal_needs_a_person_and_every_seal_an_enterprise() -> None:
    with pytest.raises(DomainError):
        seal_png(SealType.LEGAL_REPRESENTATIVE, NAME, USCC)
    with pytest.raises(DomainError):
        seal_svg(SealType.COMPANY, " ", USCC)


# What the previous release stored and served for these seals (SHA-256 of the PNG and of the SVG),
# recorded from its code: a seal drawn on demand must look exactly as it did when it was stored.
SERVED_BEFORE = {
    SealType.COMPANY: ("06f3f372d97e3bebad429a3454c27b34272ea9984123dc5b8dedae8310e5db58",
                       "122bbe636bb246c06a4825de2edeaa467b8b37a6a9f63b82ece0dca9ad04141f"),
    SealType.FINANCE: ("13db22f0d04a9a74d15f5dc8c8e611bb0213ecb999d0e9a3cad0a36a35ac8f7e",
                       "ea5129943c34e4ded8f3c58e0195c47b9ee8242bee8b9e3c11a56a354a921c19"),
    SealType.CONTRACT: ("635376d053da992baa519bfdac981528658a0c1f87e3105477f87d1308be6900",
                        "4d42e7d633ff8e07514adafb2bad01eb697766d3f8e5cd560caf63cc185f3921"),
    SealType.INVOICE: ("f5d8278eecb94363260ec425a92c893c0114b63175d437396aa5300f9f16592b",
                       "f843a6e7da3d86e4781ee1420a9ac7ef879026c75cbca0df2d4c02a00fc38293"),
    SealType.LEGAL_REPRESENTATIVE: ("3fce3ec68f56beb54238b43d4daa6fccead7e7ef7c0efc22de3a8a07bb8e9be8",
                                    "3f1bf708b59555492fb23775d36798b1ec8e20b19aeca8855ba9e6af57d1485e"),
}


@pytest.mark.parametrize("seal_type", list(SealType))
def test_a_seal_redrawn_from_its_look_is_the_picture_served_before(seal_type: SealType) -> None:
    look = SealLook(seal_type, "重庆云帆科技有限公司", "91500000MA5U7Y2K3B",
                    "张小明" if seal_type.is_personal else None)
    png, svg = SERVED_BEFORE[seal_type]
    assert hashlib.sha256(look.draw("png")).hexdigest() == png
    assert hashlib.sha256(look.draw("svg")).hexdigest() == svg


def test_drawn_pictures_are_cached_by_content_hash_within_a_byte_bound() -> None:
    looks = [SealLook(SealType.CONTRACT, name, USCC) for name in ("重庆甲科技有限公司", "重庆乙科技有限公司",
                                                                   "重庆丙科技有限公司")]
    one = len(looks[0].draw("svg"))
    cache = DrawnImages(max_bytes=int(one * 2.5))  # room for two pictures, not three
    first, digest = cache.get(looks[0], "svg")
    assert first == looks[0].draw("svg") and digest == looks[0].digest("svg") and cache.draws == 1
    assert cache.get(looks[0], "svg") == (first, digest) and cache.draws == 1  # cached: not drawn again
    assert looks[0].digest("svg") != looks[0].digest("png") != looks[1].digest("png")
    cache.get(looks[1], "svg")
    cache.get(looks[0], "svg")  # the most recently used now
    cache.get(looks[2], "svg")  # pushes out the least recently used: looks[1]
    assert len(cache) == 2 and cache.size <= cache.max_bytes and cache.draws == 3
    cache.get(looks[0], "svg")
    assert cache.draws == 3
    cache.get(looks[1], "svg")
    assert cache.draws == 4
