"""A licence's signed documents are made once for what they say and who signs them, and kept
(``yima.licences.documents.SIGNED``): asked again they come back byte for byte, not signed anew; a
change to the licence (a revocation) or to the key that seals it (a rotation) makes a new one, never
the kept one; the cache holds no more bytes than its bound."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from test_licence_bundle import establish

from factories import HOTEL, NOW
from yima.kept import KeptBytes, digest_of
from yima.keys import service as keys
from yima.keys.model import SigningAlgorithm
from yima.licences import documents
from yima.licences.ofd import check_ofd
from yima.licences.service import revoke_enterprise, rotate_key
from yima.pki.sm2cert import sm2_public_key_of


def _reason(pdf: bytes) -> str:
    return str(PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0].sig_object.get("/Reason"))


def _signature_file(ofd: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(ofd)) as archive:
        return b"".join(archive.read(name) for name in archive.namelist() if name.endswith("SignedValue.dat"))


@pytest.mark.db
def test_a_licence_pdf_is_signed_once_and_a_revocation_makes_a_new_one(db, standard, people):
    uscc = establish(db, standard, people["alice"], **{**HOTEL, "name": "重庆留存签章酒店管理有限公司"})
    made = documents.SIGNED.made
    first = documents.signed_licence_pdf(db, standard, uscc, NOW)
    again = documents.signed_licence_pdf(db, standard, uscc, NOW + timedelta(hours=1))
    assert again == first and documents.SIGNED.made == made + 1  # kept: not laid out or signed again
    assert "不再有效" not in _reason(first)

    revoke_enterprise(db, standard, people["officer-cq"], uscc, "虚假登记", NOW + timedelta(hours=2))
    revoked = documents.signed_licence_pdf(db, standard, uscc, NOW + timedelta(hours=3))
    assert revoked != first and documents.SIGNED.made == made + 2
    assert "已吊销，不再有效" in _reason(revoked)  # never the kept PDF of the licence in force
    assert documents.signed_licence_pdf(db, standard, uscc, NOW + timedelta(hours=4)) == revoked


@pytest.mark.db
def test_a_sealed_ofd_is_kept_until_the_zone_s_sm2_key_is_rotated(db, standard, people):
    rotate_key(db, "cq-gxq", NOW, SigningAlgorithm.SM2)
    uscc = establish(db, standard, people["alice"], **{**HOTEL, "name": "重庆留存国密酒店管理有限公司"})
    made = documents.SIGNED.made
    first = documents.sealed_licence_ofd(db, standard, uscc, NOW + timedelta(minutes=1))
    assert documents.sealed_licence_ofd(db, standard, uscc, NOW + timedelta(minutes=2)) == first
    assert documents.SIGNED.made == made + 1

    rotate_key(db, "cq-gxq", NOW + timedelta(days=1), SigningAlgorithm.SM2)
    with db.read() as session:
        national = keys.keyring(session, "cq-gxq", fresh=True).active_national
    assert national is not None
    rotated = documents.sealed_licence_ofd(db, standard, uscc, NOW + timedelta(days=1, minutes=1))
    assert rotated != first and documents.SIGNED.made == made + 2
    assert f"cq-gxq-{national.kid_text}".encode() in _signature_file(rotated)  # sealed with the new key
    assert f"cq-gxq-{national.kid_text}".encode() not in _signature_file(first)
    assert check_ofd(rotated, sm2_public_key_of, NOW + timedelta(days=1, minutes=2)).ok


def test_kept_bytes_stay_within_their_bound_and_keep_what_was_used_last():
    kept = KeptBytes(max_bytes=250)
    made: list[str] = []

    def make(name: str, size: int = 100) -> bytes:
        made.append(name)
        return name.encode() * (size // len(name))

    for name in ("aa", "bb", "aa", "cc"):  # cc pushes out bb, the least recently used
        kept.get(digest_of(name), lambda name=name: make(name))  # type: ignore[misc]
    assert made == ["aa", "bb", "cc"] and len(kept) == 2 and kept.size <= 250
    kept.get(digest_of("aa"), lambda: make("aa"))
    kept.get(digest_of("bb"), lambda: make("bb"))
    assert made == ["aa", "bb", "cc", "bb"]
    huge = kept.get(digest_of("dd"), lambda: make("dd", size=1000))
    assert len(huge) == 1000 and len(kept) == 2 and kept.size <= 250  # given, but larger than the bound: not kept
    kept.get(digest_of("dd"), lambda: make("dd", size=1000))
    assert made[-2:] == ["dd", "dd"]  # so made again when asked again
    assert digest_of({"a": 1, "b": 2}) == digest_of({"b": 2, "a": 1}) != digest_of({"a": 1, "b": 3})
