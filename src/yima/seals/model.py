"""The seal set an enterprise receives: the five seal types, their look and their signer.

Seal types and shapes follow common practice for enterprise seals in China (the Ministry of Public
Security's seal-management rules: the company seal round with a star; finance and invoice seals
commonly oval; the legal representative's name seal square). A seal is realised today as an X.509
certificate and a PAdES signature (``SealFormat.X509_PADES``); the format is recorded with each
seal so that GB/T 38540-2020 seals (SM2/SM3) can be added beside it (docs/seals-gbt38540.md).
"""

from __future__ import annotations

from enum import StrEnum

from yima.errors import DomainError
from yima.pki.ca import SignerIdentity


class SealShape(StrEnum):
    ROUND = "round"
    OVAL = "oval"
    SQUARE = "square"


class SealFormat(StrEnum):
    """How a seal signs. Only X.509/PAdES exists now; GB/T 38540 would be ``gbt38540``."""

    X509_PADES = "x509-pades"


class SealType(StrEnum):
    COMPANY = "company"
    FINANCE = "finance"
    CONTRACT = "contract"
    INVOICE = "invoice"
    LEGAL_REPRESENTATIVE = "legal_representative"

    @property
    def zh(self) -> str:
        return _NAMES[self][0]

    @property
    def en(self) -> str:
        return _NAMES[self][1]

    @property
    def shape(self) -> SealShape:
        return _SHAPES[self]

    @property
    def size_mm(self) -> tuple[float, float]:
        """Width and height of the printed seal, as commonly made (invoice seal: 40 x 30 mm)."""
        return _SIZES_MM[self]

    @property
    def is_personal(self) -> bool:
        """A person's seal rather than the organisation's (GB/T 38540's personal vs unit seal)."""
        return self is SealType.LEGAL_REPRESENTATIVE

    @property
    def caption(self) -> str | None:
        """The words under the star; none on the company seal, which by custom shows only the name."""
        return None if self in (SealType.COMPANY, SealType.LEGAL_REPRESENTATIVE) else self.zh


_NAMES: dict[SealType, tuple[str, str]] = {
    SealType.COMPANY: ("公章", "company seal"),
    SealType.FINANCE: ("财务专用章", "finance seal"),
    SealType.CONTRACT: ("合同专用章", "contract seal"),
    SealType.INVOICE: ("发票专用章", "invoice seal"),
    SealType.LEGAL_REPRESENTATIVE: ("法定代表人名章", "legal representative's seal"),
}

_SHAPES: dict[SealType, SealShape] = {
    SealType.COMPANY: SealShape.ROUND,
    SealType.FINANCE: SealShape.OVAL,
    SealType.CONTRACT: SealShape.ROUND,
    SealType.INVOICE: SealShape.OVAL,
    SealType.LEGAL_REPRESENTATIVE: SealShape.SQUARE,
}

_SIZES_MM: dict[SealType, tuple[float, float]] = {
    SealType.COMPANY: (42.0, 42.0),
    SealType.FINANCE: (40.0, 30.0),
    SealType.CONTRACT: (40.0, 40.0),
    SealType.INVOICE: (40.0, 30.0),
    SealType.LEGAL_REPRESENTATIVE: (20.0, 20.0),
}

POINTS_PER_MM = 72 / 25.4

SEAL_SET: tuple[SealType, ...] = tuple(SealType)
"""The free set issued to every newly established enterprise, in display order."""


def seal_box(seal_type: SealType, centre_x: float, centre_y: float) -> tuple[float, float, float, float]:
    """The box, in PDF points, that prints the seal at its real size centred on a point of the page."""
    w, h = (v * POINTS_PER_MM for v in seal_type.size_mm)
    return (centre_x - w / 2, centre_y - h / 2, centre_x + w / 2, centre_y + h / 2)


def seal_display_name(seal_type: SealType, enterprise_name: str, person_name: str | None = None) -> str:
    """E.g. 重庆山城科技有限公司合同专用章, or 张三（重庆山城科技有限公司法定代表人名章）."""
    if seal_type.is_personal:
        if not person_name or not person_name.strip():
            raise DomainError("seal.person_name_required", "person_name",
                              "法定代表人名章需要法定代表人姓名",
                              "the legal representative's seal needs the person's name")
        return f"{person_name.strip()}（{enterprise_name}{seal_type.zh}）"
    return f"{enterprise_name}{seal_type.zh}"


def seal_identity(seal_type: SealType, enterprise_name: str, uscc: str,
                  person_name: str | None = None) -> SignerIdentity:
    """What the seal's certificate subject says (see ``yima.pki.ca`` for the attributes).

    The legal representative's name seal is named for the person and the seal (张三（法定代表人名章）),
    the enterprise standing in O: the whole display name, three UTF-8 bytes a character, would not
    fit the 64 bytes of a common name and would be cut short."""
    common_name = seal_display_name(seal_type, enterprise_name, person_name)
    if seal_type.is_personal and person_name:
        common_name = f"{person_name.strip()}（{seal_type.zh}）"
    return SignerIdentity(
        common_name=common_name,
        organization=enterprise_name,
        uscc=uscc,
        seal_type=seal_type.value,
    )


def seal_type_of(identity: SignerIdentity) -> SealType | None:
    """The seal type a certificate subject names, if it is one of ours."""
    try:
        return SealType(identity.seal_type) if identity.seal_type else None
    except ValueError:
        return None
