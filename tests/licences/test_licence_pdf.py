"""The licence PDF (营业执照 layout): rendered by poppler, Chinese text extractable, QR readable."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from licence_samples import BASE_URL, KEYRING, LICENCE

from yima.licences.cose import sign_licence
from yima.licences.pdf import STAMP_BOX, render_licence_pdf
from yima.licences.qr import decode_qr_image, licence_url, render_qr_png

AUTHORITY = "重庆高新技术产业开发区市场监督管理局"


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"poppler's {tool} is not installed: make system-deps")
    return path


@pytest.fixture
def qr_text() -> str:
    return licence_url(sign_licence(LICENCE, KEYRING), BASE_URL)


@pytest.fixture
def pdf_file(tmp_path: Path, qr_text: str) -> Path:
    path = tmp_path / "licence.pdf"
    path.write_bytes(render_licence_pdf(LICENCE, render_qr_png(qr_text), AUTHORITY))
    return path


def test_text_layer_reads_the_title_and_fields(pdf_file: Path) -> None:
    text = subprocess.run([_poppler("pdftotext"), str(pdf_file), "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in ("营业执照", "统一社会信用代码", LICENCE.uscc, LICENCE.name, "扫描二维码查询许可信息",
                     "食品经营许可证", "JY15001070123456", "已备案", AUTHORITY, "2024年09月02日"):
        assert expected in text, expected


def test_cjk_font_is_embedded(pdf_file: Path) -> None:
    fonts = subprocess.run([_poppler("pdffonts"), str(pdf_file)], capture_output=True, text=True,
                           check=True).stdout
    cjk = [line for line in fonts.splitlines() if "NotoSansSCYima" in line]  # the font shipped in the package
    assert cjk and all(re.search(r"TrueType\s+\S+\s+yes\s+yes\s+yes", line) for line in cjk), fonts



def test_page_renders_a4_landscape_and_its_qr_reads_back(
    pdf_file: Path, tmp_path: Path, qr_text: str
) -> None:
    subprocess.run([_poppler("pdftoppm"), "-png", "-r", "60", "-singlefile", str(pdf_file),
                    str(tmp_path / "small")], check=True)
    from PIL import Image

    with Image.open(tmp_path / "small.png") as page:
        width, height = page.size
    assert abs(width - 702) <= 1 and abs(height - 496) <= 1  # 297 x 210 mm at 60 dpi
    subprocess.run([_poppler("pdftoppm"), "-png", "-r", "150", "-singlefile", str(pdf_file),
                    str(tmp_path / "large")], check=True)
    assert decode_qr_image((tmp_path / "large.png").read_bytes()) == qr_text


def test_stamp_region_is_inside_the_page_and_left_empty(pdf_file: Path) -> None:
    x0, y0, x1, y1 = STAMP_BOX
    assert 0 < x0 < x1 < 842 and 0 < y0 < y1 < 595
    crop = {"-x": x0 + 8, "-y": 595 - y1 + 8, "-W": x1 - x0 - 16, "-H": y1 - y0 - 16}
    inside = subprocess.run(
        [_poppler("pdftotext"),
         *[item for flag, value in crop.items() for item in (flag, str(int(value)))],
         "-r", "72", str(pdf_file), "-"],
        capture_output=True, text=True, check=True,
    ).stdout
    assert inside.strip() == ""


def test_long_scope_and_many_permits_still_fit_one_page(tmp_path: Path, qr_text: str) -> None:
    crowded = LICENCE.model_copy(update={
        "scope": tuple(f"S{i:03d}" for i in range(60)),
        "permits": LICENCE.permits * 4,
    })
    names = {f"S{i:03d}": "食品销售（仅销售预包装食品）及餐饮管理服务" for i in range(60)}
    path = tmp_path / "crowded.pdf"
    path.write_bytes(render_licence_pdf(crowded, render_qr_png(qr_text), AUTHORITY, scope_names=names))
    text = subprocess.run([_poppler("pdftotext"), str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    info = subprocess.run([_poppler("pdfinfo"), str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE)
    assert "完整经营范围见二维码" in text or "S059" in text
    assert "营业执照" in text


def test_pdf_is_reproducible_and_dated_by_the_licence(qr_text: str) -> None:
    first = render_licence_pdf(LICENCE, render_qr_png(qr_text), AUTHORITY)
    assert first == render_licence_pdf(LICENCE, render_qr_png(qr_text), AUTHORITY)
    assert b"D:20240902083000+00'00'" in first
