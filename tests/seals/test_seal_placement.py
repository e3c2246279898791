"""Where seals go on a page: millimetres from the top-left, a default row at the bottom right."""

from __future__ import annotations

import pytest

from yima.errors import DomainError
from yima.seals.model import POINTS_PER_MM, SealType
from yima.seals.placement import PageFrame, check_page, default_centres, place, seal_rect

A4 = PageFrame(0.0, 0.0, 595.2756, 841.8898)  # 210 x 297 mm


def test_a_position_is_the_centre_in_mm_from_the_top_left():
    x1, y1, x2, y2 = seal_rect(SealType.CONTRACT, A4, 100.0, 50.0)
    assert ((x1 + x2) / 2 / POINTS_PER_MM, (A4.height - (y1 + y2) / 2) / POINTS_PER_MM) == pytest.approx((100, 50))
    assert (x2 - x1) / POINTS_PER_MM == pytest.approx(40.0)


def test_a_crop_box_moves_the_origin():
    cropped = PageFrame(36.0, 72.0, 500.0, 700.0)
    x1, _, _, y2 = seal_rect(SealType.LEGAL_REPRESENTATIVE, cropped, 12.0, 12.0)
    assert x1 == pytest.approx(36.0 + 2 * POINTS_PER_MM)
    assert y2 == pytest.approx(72.0 + 700.0 - 2 * POINTS_PER_MM)


def test_seals_without_a_position_sit_side_by_side_at_the_bottom_right():
    (cx, cy), (nx, ny) = default_centres([SealType.CONTRACT, SealType.LEGAL_REPRESENTATIVE], A4)
    assert cy == ny == pytest.approx(297 - 50)
    assert nx + 10 == pytest.approx(210 - 20)  # the name seal's right edge is 20 mm from the page's
    assert nx - 10 - (cx + 20) == pytest.approx(5)  # 5 mm between the seals
    boxes = place([(SealType.CONTRACT, None, None), (SealType.FINANCE, 30.0, 40.0),
                   (SealType.LEGAL_REPRESENTATIVE, None, None)], A4)
    assert boxes[0][2] < boxes[2][0]


@pytest.mark.parametrize(("x", "y", "field"), [(10.0, 100.0, "x"), (200.0, 100.0, "x"), (100.0, 5.0, "y"),
                                               (100.0, 290.0, "y")])
def test_a_seal_that_would_fall_off_the_page_is_refused(x, y, field):
    with pytest.raises(DomainError) as err:
        seal_rect(SealType.CONTRACT, A4, x, y)
    assert (err.value.finding.rule, err.value.finding.field) == ("seal.position", field)


def test_pages_are_numbered_from_one():
    assert check_page(1, 3) == 0 and check_page(3, 3) == 2
    for bad in (0, 4):
        with pytest.raises(DomainError) as err:
            check_page(bad, 3)
        assert err.value.finding.field == "page"
