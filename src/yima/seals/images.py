"""Seal images as SVG and PNG, drawn from one layout so that both look the same.

The look follows common practice for Chinese enterprise seals: red ink; a round seal with a
five-pointed star in the centre, the enterprise name along the upper arc (each character turned
to the arc, its top outward) and the seal type across the bottom (the company seal shows only the
name and the star); an oval finance or invoice seal (the invoice seal carries the unified social
credit code across the middle, as the tax rules for 发票专用章 require); a square name seal for the
legal representative, read in columns from the right, with 印 (or 之印) completing a 2x2 grid.
Proportions follow a 42 mm company seal (1.2 mm rim, 14 mm star). PNGs are drawn with Pillow using
the project's CJK font (no cairo needed). The SVG carries each character as its outline from the
same font (read with fontTools), so that it looks the same on a machine without that font.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from io import BytesIO
from xml.sax.saxutils import escape

from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont

from yima.errors import DomainError
from yima.fonts import cjk_font_path
from yima.kept import KeptBytes, digest_of
from yima.seals.model import SealShape, SealType, seal_display_name

INK = (212, 0, 0)
INK_HEX = "#d40000"
FONT_FAMILY = "'Noto Sans SC Yima', 'Noto Sans SC', 'WenQuanYi Zen Hei', 'Noto Sans CJK SC', sans-serif"
SIZE = 600  # PNG width in pixels
SUPERSAMPLE = 3  # draw larger, then shrink: Pillow's ellipses and polygons are not anti-aliased
WEIGHT = 0.02  # extra stroke around each glyph, as a share of its height: seal characters are bold
STAR_INNER = math.sin(math.radians(18)) / math.sin(math.radians(126))  # regular pentagram


@dataclass(frozen=True)
class Glyph:
    """One character: centre, height in pixels, clockwise turn in degrees, horizontal squeeze."""

    char: str
    x: float
    y: float
    size: float
    angle: float = 0.0
    x_scale: float = 1.0
    weight: float = WEIGHT


@dataclass(frozen=True)
class Outline:
    shape: SealShape
    cx: float
    cy: float
    rx: float
    ry: float
    stroke: float


@dataclass
class SealDrawing:
    width: int
    height: int
    title: str
    outlines: list[Outline] = field(default_factory=list)
    star: list[tuple[float, float]] = field(default_factory=list)
    glyphs: list[Glyph] = field(default_factory=list)


def _star(cx: float, cy: float, radius: float) -> list[tuple[float, float]]:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * STAR_INNER
        a = math.radians(i * 36)
        points.append((cx + r * math.sin(a), cy - r * math.cos(a)))
    return points


def _fit_line(text: str, *, width: float, size: float, x_scale: float, em: float,
              min_scale: float = 0.45) -> tuple[float, float, float]:
    """Size, squeeze and advance for ``text`` set in one line no wider than ``width``; ``em`` is a
    character's advance as a share of its height (about 1 for Chinese, 0.55 for digits)."""
    n = max(len(text), 1)
    advance = size * x_scale * em
    if n * advance > width:
        x_scale = max(width / n / (size * em), min_scale)
        advance = size * x_scale * em
        if n * advance > width:
            size *= width / (n * advance)
            advance = width / n
    return size, x_scale, advance


def _line(text: str, cx: float, cy: float, *, width: float, size: float, x_scale: float = 0.85,
          em: float = 1.02) -> list[Glyph]:
    size, x_scale, advance = _fit_line(text, width=width, size=size, x_scale=x_scale, em=em)
    start = cx - advance * (len(text) - 1) / 2
    return [Glyph(ch, start + i * advance, cy, size, 0.0, x_scale) for i, ch in enumerate(text)]


def _arc_positions(a: float, b: float, span_deg: float, n: int) -> list[tuple[float, float, float]]:
    """Points spread evenly by arc length over the top of the ellipse x = a·sin t, y = -b·cos t,
    each with the tangent's clockwise angle in degrees (0 at the top)."""
    half = math.radians(span_deg) / 2
    steps = 720
    ts = [-half + 2 * half * i / steps for i in range(steps + 1)]
    lengths = [0.0]
    for t0, t1 in zip(ts, ts[1:], strict=False):
        lengths.append(lengths[-1] + math.hypot(a * (math.sin(t1) - math.sin(t0)),
                                                b * (math.cos(t1) - math.cos(t0))))
    total = lengths[-1]
    out = []
    j = 0
    for i in range(n):
        target = total * (i + 0.5) / n
        while lengths[j + 1] < target:
            j += 1
        t = ts[j] + (ts[j + 1] - ts[j]) * (target - lengths[j]) / (lengths[j + 1] - lengths[j])
        angle = math.degrees(math.atan2(b * math.sin(t), a * math.cos(t)))
        out.append((a * math.sin(t), -b * math.cos(t), angle))
    return out


def _arc_text(text: str, cx: float, cy: float, rx: float, ry: float, *, size: float,
              max_span: float, min_span: float) -> list[Glyph]:
    """Characters along the upper arc of an ellipse with radii (rx, ry) at the glyphs' centres."""
    n = len(text)
    mean_r = (rx + ry) / 2
    x_scale = 0.72
    gap = 0.12
    natural = math.degrees(n * size * (x_scale + gap) / mean_r)
    span = min(max(natural, min_span), max_span)
    per_glyph = math.radians(span / n) * mean_r  # arc length available to each character
    # short names get fuller characters rather than only wider gaps
    x_scale = min(max(per_glyph / size - 0.5, x_scale), 0.9)
    if per_glyph < size * (x_scale + gap):
        x_scale = max(per_glyph / size - gap, 0.5)
        if per_glyph < size * (x_scale + gap):
            shrunk = per_glyph / (x_scale + gap)
            # a smaller glyph sits further out, nearer the rim, so the arc keeps its place
            rx, ry = rx + (size - shrunk) / 2, ry + (size - shrunk) / 2
            size = shrunk
    return [Glyph(ch, cx + x, cy + y, size, angle, x_scale)
            for ch, (x, y, angle) in zip(text, _arc_positions(rx, ry, span, n), strict=True)]


def _round(drawing: SealDrawing, name: str, caption: str | None) -> None:
    cx = cy = drawing.width / 2
    r = drawing.width / 2 * 0.965
    rim = r * 0.057
    drawing.outlines.append(Outline(SealShape.ROUND, cx, cy, r - rim / 2, r - rim / 2, rim))
    drawing.star = _star(cx, cy - r * 0.02, r * 0.335)
    size = r * 0.30
    text_r = r - rim - r * 0.035 - size / 2
    # without a caption underneath, a long name may run further round
    max_span = 250 if caption else 290
    drawing.glyphs += _arc_text(name, cx, cy, text_r, text_r, size=size, max_span=max_span, min_span=200)
    if caption:
        drawing.glyphs += _line(caption, cx, cy + r * 0.55, width=r * 0.95, size=r * 0.2, x_scale=0.8)


def _oval(drawing: SealDrawing, name: str, caption: str, middle: str | None) -> None:
    cx, cy = drawing.width / 2, drawing.height / 2
    rx, ry = drawing.width / 2 * 0.965, drawing.height / 2 * 0.955
    rim = rx * 0.05
    drawing.outlines.append(Outline(SealShape.OVAL, cx, cy, rx - rim / 2, ry - rim / 2, rim))
    size = ry * 0.30
    inset = rim + ry * 0.05 + size / 2
    drawing.glyphs += _arc_text(name, cx, cy, rx - inset, ry - inset, size=size, max_span=235, min_span=160)
    if middle:
        drawing.glyphs += _line(middle, cx, cy + ry * 0.1, width=rx * 1.35, size=ry * 0.26, x_scale=0.8,
                                em=0.62)
        drawing.glyphs += _line(caption, cx, cy + ry * 0.55, width=rx * 0.95, size=ry * 0.24)
    else:
        drawing.glyphs += _line(caption, cx, cy + ry * 0.38, width=rx * 1.05, size=ry * 0.30)


def name_seal_characters(person_name: str) -> list[list[str]]:
    """The columns of a name seal, right to left, each top to bottom.

    Two characters take 之印, three take 印, four fill the 2x2 grid; other lengths stand in as
    many columns of at most three as they need.
    """
    chars = [ch for ch in person_name.strip() if not ch.isspace()]
    if len(chars) == 2:
        chars += ["之", "印"]
    elif len(chars) == 3:
        chars += ["印"]
    per_column = 2 if len(chars) == 4 else 3
    return [chars[i:i + per_column] for i in range(0, len(chars), per_column)]


def _square(drawing: SealDrawing, person_name: str) -> None:
    w = drawing.width
    margin = w * 0.03
    rim = w * 0.055
    side = w - 2 * margin
    half = side / 2 - rim / 2
    drawing.outlines.append(Outline(SealShape.SQUARE, w / 2, w / 2, half, half, rim))
    columns = name_seal_characters(person_name)
    inner = side - 2 * rim - w * 0.05
    left = (w - inner) / 2
    col_w = inner / len(columns)
    rows = max(len(col) for col in columns)
    row_h = inner / rows
    size = min(row_h * 0.98, col_w / 0.8)
    x_scale = min(col_w * 0.94 / size, 1.0)
    for c, column in enumerate(columns):
        x = left + inner - col_w * (c + 0.5)
        for r, ch in enumerate(column):
            y = (w - inner) / 2 + row_h * (r + 0.5)
            # big glyphs are bold enough; a heavier stroke would round their sharp ends
            drawing.glyphs.append(Glyph(ch, x, y, size, 0.0, x_scale, weight=WEIGHT / 3))


def seal_drawing(seal_type: SealType, enterprise_name: str, uscc: str,
                 person_name: str | None = None, *, width: int = SIZE) -> SealDrawing:
    if not enterprise_name.strip():
        raise DomainError("seal.enterprise_name_required", "enterprise_name",
                          "印章需要企业名称", "a seal needs the enterprise's name")
    enterprise_name = enterprise_name.strip()
    title = seal_display_name(seal_type, enterprise_name, person_name)
    if seal_type.shape is SealShape.SQUARE:
        drawing = SealDrawing(width, width, title)
        _square(drawing, person_name or "")
    elif seal_type.shape is SealShape.OVAL:
        drawing = SealDrawing(width, round(width * 0.75), title)
        middle = uscc if seal_type is SealType.INVOICE else None
        _oval(drawing, enterprise_name, seal_type.zh, middle)
    else:
        drawing = SealDrawing(width, width, title)
        _round(drawing, enterprise_name, seal_type.caption)
    return drawing


def _svg_outline(o: Outline) -> str:
    common = f'fill="none" stroke="{INK_HEX}" stroke-width="{o.stroke:.2f}"'
    if o.shape is SealShape.SQUARE:
        return (f'<rect x="{o.cx - o.rx:.2f}" y="{o.cy - o.ry:.2f}" width="{2 * o.rx:.2f}" '
                f'height="{2 * o.ry:.2f}" {common}/>')
    return f'<ellipse cx="{o.cx:.2f}" cy="{o.cy:.2f}" rx="{o.rx:.2f}" ry="{o.ry:.2f}" {common}/>'


def seal_svg(seal_type: SealType, enterprise_name: str, uscc: str, person_name: str | None = None) -> str:
    d = seal_drawing(seal_type, enterprise_name, uscc, person_name)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{d.width}" height="{d.height}" '
        f'viewBox="0 0 {d.width} {d.height}" role="img" aria-label="{escape(d.title, {chr(34): "&quot;"})}">',
        f"<title>{escape(d.title)}</title>",
    ]
    parts += [_svg_outline(o) for o in d.outlines]
    if d.star:
        points = " ".join(f"{x:.2f},{y:.2f}" for x, y in d.star)
        parts.append(f'<polygon points="{points}" fill="{INK_HEX}"/>')
    parts.append(f'<g fill="{INK_HEX}" stroke="{INK_HEX}" stroke-linejoin="round">')
    for g in d.glyphs:
        outline = _glyph_outline(g.char)
        if outline is None:  # not in the font: name the font family and hope the viewer has one
            parts.append(
                f'<text font-family="{FONT_FAMILY}" text-anchor="middle" dominant-baseline="central" '
                f'font-size="{g.size:.2f}" stroke-width="{2 * g.weight * g.size:.2f}" '
                f'transform="translate({g.x:.2f} {g.y:.2f}) rotate({g.angle:.2f}) scale({g.x_scale:.3f} 1)">'
                f"{escape(g.char)}</text>")
            continue
        path, em, middle_x, middle_y = outline
        scale = g.size / em
        parts.append(
            f'<path d="{path}" stroke-width="{2 * g.weight * em:.0f}" '
            f'transform="translate({g.x:.2f} {g.y:.2f}) rotate({g.angle:.2f}) '
            f'scale({g.x_scale * scale:.5f} {-scale:.5f}) translate({-middle_x:.1f} {-middle_y:.1f})">'
            f"<title>{escape(g.char)}</title></path>")
    parts += ["</g>", "</svg>"]
    return "\n".join(parts)


@lru_cache(maxsize=1)
def _outline_font() -> TTFont:
    return TTFont(str(cjk_font_path()), fontNumber=0, lazy=True)


@lru_cache(maxsize=4096)
def _glyph_outline(char: str) -> tuple[str, int, float, float] | None:
    """The character's outline as SVG path data in font units (y up), the em size, and the point
    the drawing centres on: half the advance, and halfway between ascender and descender (what
    Pillow's ``anchor="mm"`` and SVG's ``dominant-baseline="central"`` centre on)."""
    font = _outline_font()
    name = font.getBestCmap().get(ord(char))
    if name is None:
        return None
    glyphs = font.getGlyphSet()
    pen = SVGPathPen(glyphs)
    glyphs[name].draw(pen)
    hhea = font["hhea"]
    return (pen.getCommands(), int(font["head"].unitsPerEm), glyphs[name].width / 2,
            (hhea.ascent + hhea.descent) / 2)


@lru_cache(maxsize=64)
def _font(px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(cjk_font_path()), px, index=0)


def _draw_glyph(canvas: Image.Image, g: Glyph, k: float) -> None:
    size = max(int(round(g.size * k)), 4)
    font = _font(size)
    tile = Image.new("L", (size * 2, size * 2), 0)
    ImageDraw.Draw(tile).text((size, size), g.char, font=font, fill=255, anchor="mm",
                              stroke_width=max(int(round(size * g.weight)), 1), stroke_fill=255)
    if g.x_scale != 1.0:
        tile = tile.resize((max(int(tile.width * g.x_scale), 1), tile.height), Image.Resampling.LANCZOS)
    if g.angle:
        tile = tile.rotate(-g.angle, resample=Image.Resampling.BICUBIC, expand=True)
    x = int(round(g.x * k - tile.width / 2))
    y = int(round(g.y * k - tile.height / 2))
    canvas.paste(Image.new("L", tile.size, 255), (x, y), tile)


def seal_png(seal_type: SealType, enterprise_name: str, uscc: str, person_name: str | None = None,
             *, width: int = SIZE) -> bytes:
    """The seal on a transparent background, ``width`` pixels wide."""
    d = seal_drawing(seal_type, enterprise_name, uscc, person_name, width=width)
    k = SUPERSAMPLE
    mask = Image.new("L", (d.width * k, d.height * k), 0)
    draw = ImageDraw.Draw(mask)
    for o in d.outlines:
        box = ((o.cx - o.rx - o.stroke / 2) * k, (o.cy - o.ry - o.stroke / 2) * k,
               (o.cx + o.rx + o.stroke / 2) * k, (o.cy + o.ry + o.stroke / 2) * k)
        if o.shape is SealShape.SQUARE:
            draw.rectangle(box, outline=255, width=int(round(o.stroke * k)))
        else:
            draw.ellipse(box, outline=255, width=int(round(o.stroke * k)))
    if d.star:
        draw.polygon([(x * k, y * k) for x, y in d.star], fill=255)
    for g in d.glyphs:
        _draw_glyph(mask, g, k)
    mask = mask.resize((d.width, d.height), Image.Resampling.LANCZOS)
    image = Image.new("RGBA", mask.size, (*INK, 0))
    image.putalpha(mask)
    out = BytesIO()
    image.save(out, format="PNG")  # optimize=True: 2% smaller, three times slower
    return out.getvalue()


# --- drawn on demand ------------------------------------------------------------------------------

@dataclass(frozen=True)
class SealLook:
    """What a seal's picture is drawn from: a few dozen bytes stored with the seal instead of the
    picture itself (``seal_png`` and ``seal_svg`` draw the same picture from the same look every time,
    given the same font and drawing code; ``tests/seals/test_seal_images.py`` pins that)."""

    seal_type: SealType
    enterprise_name: str
    uscc: str
    person_name: str | None = None

    def digest(self, kind: str, width: int = SIZE) -> str:
        """The content hash a drawn picture is cached and tagged (HTTP ETag) under."""
        return digest_of(kind, width, self.seal_type.value, self.enterprise_name, self.uscc, self.person_name)

    def draw(self, kind: str, width: int = SIZE) -> bytes:
        if kind == "svg":
            return seal_svg(self.seal_type, self.enterprise_name, self.uscc, self.person_name).encode("utf-8")
        return seal_png(self.seal_type, self.enterprise_name, self.uscc, self.person_name, width=width)


class DrawnImages:
    """Drawn pictures kept by content hash (``yima.kept.KeptBytes``), bounded in bytes.

    A PNG takes about 0.2 s to draw and 300 KB to keep; the bound (``max_bytes``) keeps the pictures
    of the seals looked at lately and lets the rest be drawn again when asked."""

    def __init__(self, max_bytes: int) -> None:
        self._kept = KeptBytes(max_bytes)

    def __len__(self) -> int:
        return len(self._kept)

    @property
    def max_bytes(self) -> int:
        return self._kept.max_bytes

    @property
    def size(self) -> int:
        return self._kept.size

    @property
    def draws(self) -> int:
        return self._kept.made

    def get(self, look: SealLook, kind: str, width: int = SIZE) -> tuple[bytes, str]:
        """The picture and its content hash, drawn now unless kept."""
        digest = look.digest(kind, width)
        return self._kept.get(digest, lambda: look.draw(kind, width)), digest

    def clear(self) -> None:
        self._kept.clear()


DRAWN = DrawnImages(max_bytes=48 * 1024 * 1024)
"""The process's cache of drawn seal pictures (about 160 PNGs, or 30 enterprises' seal sets)."""
