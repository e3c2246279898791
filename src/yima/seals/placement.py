"""Where a seal goes on a page: positions in millimetres, as a person measures on paper.

A position is the seal's centre, measured in millimetres from the page's **top-left** corner of
its visible area (the CropBox, ISO 32000-1 clause 14.11.2; the MediaBox when there is none), x to
the right and y downwards. Page rotation (``/Rotate``) is not applied: positions refer to the page
as stored. Seals without a position are laid out side by side, in the order given, in a row that
ends 20 mm from the right edge with its centre line 50 mm above the bottom edge, where the
signature block of a contract usually is. Pure functions: no PDF parsing here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from yima.errors import DomainError
from yima.pki.pades import Box
from yima.seals.model import POINTS_PER_MM, SealType, seal_box

RIGHT_MARGIN_MM = 20.0
ROW_ABOVE_BOTTOM_MM = 50.0
GAP_MM = 5.0
EDGE_MM = 2.0  # a seal may not be closer to the page edge than this: it would be cut off when printed


@dataclass(frozen=True)
class PageFrame:
    """The visible area of a page in PDF points (default user space)."""

    left: float
    bottom: float
    width: float
    height: float

    @property
    def width_mm(self) -> float:
        return self.width / POINTS_PER_MM

    @property
    def height_mm(self) -> float:
        return self.height / POINTS_PER_MM


def check_page(page: int, page_count: int) -> int:
    """The 0-based index of a 1-based page number."""
    if not 1 <= page <= page_count:
        raise DomainError("seal.page", "page", f"页码须在 1 至 {page_count} 之间",
                          f"the page must be between 1 and {page_count}")
    return page - 1


def default_centres(seal_types: Sequence[SealType], frame: PageFrame) -> list[tuple[float, float]]:
    """Centres (mm from the top-left) for seals placed side by side at the bottom right."""
    widths = [seal_type.size_mm[0] for seal_type in seal_types]
    total = sum(widths) + GAP_MM * max(len(widths) - 1, 0)
    x = max(frame.width_mm - RIGHT_MARGIN_MM - total, EDGE_MM)
    y = frame.height_mm - ROW_ABOVE_BOTTOM_MM
    centres = []
    for width in widths:
        centres.append((x + width / 2, y))
        x += width + GAP_MM
    return centres


def _require_on_page(axis: str, axis_zh: str, centre_mm: float, size_mm: float, extent_mm: float) -> None:
    low, high = EDGE_MM + size_mm / 2, extent_mm - EDGE_MM - size_mm / 2
    if not low <= centre_mm <= high:
        raise DomainError("seal.position", axis,
                          f"{axis_zh}位置须在 {low:.0f} 至 {high:.0f} 毫米之间，印章才能完整落在页面内",
                          f"{axis} must be between {low:.0f} and {high:.0f} mm for the seal to fit on the page")


def seal_rect(seal_type: SealType, frame: PageFrame, x_mm: float, y_mm: float) -> Box:
    """The seal's box in PDF points for a centre given in mm from the top-left; inside the page."""
    width, height = seal_type.size_mm
    _require_on_page("x", "横向", x_mm, width, frame.width_mm)
    _require_on_page("y", "纵向", y_mm, height, frame.height_mm)
    centre_x = frame.left + x_mm * POINTS_PER_MM
    centre_y = frame.bottom + frame.height - y_mm * POINTS_PER_MM
    return seal_box(seal_type, centre_x, centre_y)


def place(requests: Sequence[tuple[SealType, float | None, float | None]], frame: PageFrame) -> list[Box]:
    """Boxes for seals on one page; those without both coordinates get the default row, in order."""
    unplaced = [seal_type for seal_type, x, y in requests if x is None or y is None]
    defaults = iter(default_centres(unplaced, frame))
    boxes = []
    for seal_type, x, y in requests:
        if x is None or y is None:
            dx, dy = next(defaults)
            x, y = (dx if x is None else x), (dy if y is None else y)
        boxes.append(seal_rect(seal_type, frame, x, y))
    return boxes
