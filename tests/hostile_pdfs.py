"""Hostile PDFs, written byte by byte (with a correct cross-reference table) as the red team sent
them: each is small, and each made the sealing or checking routes slow or answer 500 before."""

from __future__ import annotations


def build(objects: dict[int, bytes], root: bytes = b"1 0 R", *, prev_loop: bool = False) -> bytes:
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root " % size + root
    if prev_loop:
        out += b" /Prev %d" % xref
    out += b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def one_page(catalog_extra: bytes = b"", page_extra: bytes = b"") -> bytes:
    return build({1: b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
                  2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                  3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] " + page_extra + b">>"})


def one_page_listed(times: int) -> bytes:
    """The page tree lists the same page ``times`` times (18 KB for 3,000)."""
    kids = b" ".join([b"3 0 R"] * times)
    return build({1: b"<< /Type /Catalog /Pages 2 0 R >>",
                  2: b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % times,
                  3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"})


def signature_fields(count: int) -> bytes:
    """``count`` empty signature fields on one page."""
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields ["
                  + b" ".join(b"%d 0 R" % (4 + i) for i in range(count)) + b"] >> >>",
               2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"}
    for i in range(count):
        objects[4 + i] = b"<< /FT /Sig /T (s%d) /Rect [0 0 0 0] /Subtype /Widget /P 3 0 R >>" % i
    return build(objects)


MALFORMED: dict[str, tuple[bytes, str]] = {
    # name: (the PDF, the rule it is refused with)
    "no root": (build({1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [] /Count 0 >>"},
                      root=b"null"), "pdf.no_catalog"),
    "numeric root": (build({1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [] /Count 0 >>"},
                           root=b"7"), "pdf.no_catalog"),
    "a /Prev loop": (build({1: b"<< /Type /Catalog /Pages 2 0 R >>",
                            2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                            3: b"<< /Type /Page /Parent 2 0 R >>"}, prev_loop=True), "pdf.unreadable"),
    "5,000-deep arrays": (one_page(catalog_extra=b"/X " + b"[" * 5000 + b"]" * 5000), "pdf.too_deep"),
    "signature value /V 7": (build({1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>",
                                    2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                                    3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
                                    4: b"<< /FT /Sig /T (a) /V 7 >>"}), "pdf.signature_value"),
    "page tree loop": (build({1: b"<< /Type /Catalog /Pages 2 0 R >>",
                              2: b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"}), "pdf.page_tree"),
    "one page listed 3,000 times": (one_page_listed(3000), "pdf.page_tree"),
}

ACTIVE: dict[str, bytes] = {
    "/OpenAction JavaScript": one_page(catalog_extra=b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
    "/Launch on page open (/AA)": one_page(page_extra=b"/AA << /O << /S /Launch /F (calc.exe) >> >>"),
    "a JavaScript name tree": one_page(catalog_extra=b"/Names << /JavaScript << /Names [(a) << /S /JavaScript "
                                                     b"/JS (x) >>] >> >>"),
    "an embedded file": one_page(catalog_extra=b"/Names << /EmbeddedFiles << /Names [(a.exe) << /Type /Filespec "
                                               b"/F (a.exe) >>] >> >>"),
}
