"""Property-based tests (hypothesis) of the two decoders that read what strangers send: the licence
QR (``licences.qr`` / ``licences.verify``) and the register CSV (``stats.rows`` /
``stats.checker``). Whatever the input, the answer is a result or a domain error, never another
exception. A fixed seed and bounded examples keep the run repeatable and short.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from licences.licence_samples import BASE_URL, KEYRING, LICENCE, TRUST_LIST
from yima.errors import DomainError
from yima.licences.cose import compress, sign_licence
from yima.licences.qr import extract_cose_bytes, licence_base45, licence_url
from yima.licences.verify import VerificationReason, VerificationResult, verify_licence
from yima.standard import load_standard
from yima.stats.checker import read_batches
from yima.stats.rows import HEADER, BadRow, check_values

STANDARD = load_standard()

NOW = datetime(2025, 1, 1, tzinfo=UTC)
TODAY = date(2026, 11, 25)
COSE = sign_licence(LICENCE, KEYRING)
GOOD_URL = licence_url(COSE, BASE_URL)
GOOD_B45 = licence_base45(COSE)
EXAMPLES = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
QR_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567abcxyz0189:/.-_%+ $*=\n"


def mutated(text: str) -> st.SearchStrategy[str]:
    """A valid QR text with some characters replaced, cut short, or lengthened."""
    positions = st.integers(0, len(text) - 1)
    replace = st.tuples(positions, st.sampled_from(QR_ALPHABET)).map(lambda p: text[:p[0]] + p[1] + text[p[0] + 1:])
    cut = positions.map(lambda p: text[:p])
    extend = st.text(QR_ALPHABET, min_size=1, max_size=20).map(lambda tail: text + tail)
    return st.one_of(replace, cut, extend)


qr_texts = st.one_of(
    st.text(max_size=400),
    st.text(QR_ALPHABET, max_size=400),
    st.text(QR_ALPHABET, max_size=60).map(lambda s: BASE_URL + "/V/" + s),
    st.text(QR_ALPHABET, max_size=60).map(lambda s: "YM1:" + s),
    mutated(GOOD_URL),
    mutated(GOOD_B45),
)


@seed(2026)
@EXAMPLES
@given(qr_texts)
def test_any_qr_text_decodes_to_bytes_or_a_domain_error(text: str) -> None:
    try:
        assert isinstance(extract_cose_bytes(text), bytes)
    except DomainError as err:
        assert err.finding.rule and err.finding.zh and err.finding.en


@seed(2026)
@EXAMPLES
@given(st.one_of(qr_texts, st.binary(max_size=400), st.binary(max_size=200).map(compress)))
def test_any_qr_text_or_bytes_verifies_to_a_result(licence: str | bytes) -> None:
    result = verify_licence(licence, TRUST_LIST, NOW)
    assert isinstance(result, VerificationResult)
    if result.valid:  # only the untouched licence (or a text spelling the same bytes) is valid
        assert result.reason is VerificationReason.OK and result.payload == LICENCE
    else:
        assert result.reason is not VerificationReason.OK and result.message_en


def test_the_untouched_licence_is_valid() -> None:
    assert verify_licence(GOOD_URL, TRUST_LIST, NOW).valid and verify_licence(GOOD_B45, TRUST_LIST, NOW).valid


cells = st.one_of(st.text(max_size=40), st.sampled_from(["", " ", "91500107MA5U7G3X26", "llc", "I6513",
                                                         "1000000.00", "-1", "1e999", "NaN", "2021-02-30",
                                                         "2021-03-01", "2099-01-01", "重庆市九龙坡区"]))


@seed(2026)
@EXAMPLES
@given(st.lists(cells, min_size=8, max_size=8), st.integers(2, 10**6))
def test_any_csv_row_is_checked_or_reported_with_its_line(values: list[str], line: int) -> None:
    checked = check_values(line, values, TODAY, STANDARD)
    if isinstance(checked, BadRow):
        assert checked.line == line and checked.finding.field and f"line {line}" in checked.message
    else:
        assert len(checked) == 9


@seed(2026)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(cells, min_size=0, max_size=10), max_size=8), st.binary(max_size=60))
def test_any_csv_file_gives_batches_or_a_domain_error(tmp_path: Path, rows: list[list[str]], tail: bytes) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    path = tmp_path / "register.csv"
    path.write_bytes(buffer.getvalue().encode("utf-8") + tail)
    try:
        batches = list(read_batches(path, TODAY, STANDARD))
    except DomainError as err:
        assert err.finding.field == "file" and "line" in err.finding.en.lower()
    else:
        good = sum(len(rows_) for rows_, _, _, _ in batches)
        bad = sum(len(bad_) for _, bad_, _, _ in batches)
        assert good + bad <= len(rows) + tail.count(b"\n") + 1


def test_a_csv_without_the_header_is_a_domain_error(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_text("uscc,name\n91500107MA5U7G3X26,x\n", encoding="utf-8")
    try:
        list(read_batches(path, TODAY, STANDARD))
    except DomainError as err:
        assert err.finding.rule == "import.header"
    else:
        raise AssertionError("a header missing columns was accepted")
