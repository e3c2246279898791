"""A licence signed twice (the national profile): a COSE_Sign carrying the international signature
and an SM2 one. pycose verifies the international signature from the trust list alone; OpenSSL
verifies the SM2 one over its Sig_structure; Yima's verifier checks both and says which it checked."""

from __future__ import annotations

import base64
import json
import subprocess

import cbor2
import pytest
from cbor2 import CBORTag
from licence_samples import BASE_URL, ISSUED, STANDARD_DIGEST, ZONE, seeded_key, three_permit_licence
from pycose.algorithms import CoseAlgorithm
from pycose.keys import OKPKey
from pycose.messages import SignMessage

from yima.keys.model import SM2_COSE_ALG, SigningAlgorithm, ZoneKeyring, generate_signing_key
from yima.keys.trustlist import TrustList, trust_list_for
from yima.licences.cose import COSE_SIGN_TAG, compress, multi_sig_structure, sign_licence
from yima.licences.qr import licence_base45, licence_url, qr_facts
from yima.licences.verify import VerificationReason, verify_licence
from yima.pki.sm2 import Sm2PublicKey, der_signature

INTERNATIONAL = seeded_key(1)
NATIONAL = generate_signing_key(ISSUED, SigningAlgorithm.SM2)
DUAL = ZoneKeyring(ZONE, (INTERNATIONAL, NATIONAL))
LICENCE = three_permit_licence()
FULL_LIST = TrustList.from_json(trust_list_for(DUAL, STANDARD_DIGEST).to_json())
INTERNATIONAL_LIST = TrustList.from_json(trust_list_for(ZoneKeyring.start(ZONE, INTERNATIONAL), STANDARD_DIGEST)
                                         .to_json())


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _pycose_knows_the_private_sm2_id() -> None:
    """pycose 1.1 refuses to decode any message naming an algorithm id it does not know, even in a
    signature it is not asked to check; a verifier declares the private-use id once (it need not
    implement SM2). docs/licence-qr-format.md shows the same lines."""
    if SM2_COSE_ALG in CoseAlgorithm.get_registered_classes():
        return

    @CoseAlgorithm.register_attribute()
    class Sm2Sm3(CoseAlgorithm):  # noqa: F841 - registered by the decorator
        identifier = SM2_COSE_ALG
        fullname = "SM2"


def test_with_both_keys_active_the_licence_is_a_cose_sign_with_the_international_signature_first():
    item = cbor2.loads(sign_licence(LICENCE, DUAL))
    assert isinstance(item, CBORTag) and item.tag == COSE_SIGN_TAG
    body_protected, unprotected, payload, signatures = item.value
    assert (body_protected, unprotected) == (b"", {})
    headers = [cbor2.loads(s[0]) for s in signatures]
    assert headers == [{1: -8, 4: INTERNATIONAL.kid}, {1: SM2_COSE_ALG, 4: NATIONAL.kid}]
    assert all(s[1] == {} and len(s[2]) == 64 for s in signatures)
    assert cbor2.loads(payload)[1] == ZONE


def test_a_single_key_zone_keeps_its_cose_sign1():
    item = cbor2.loads(sign_licence(LICENCE, ZoneKeyring.start(ZONE, INTERNATIONAL)))
    assert item.tag == 18  # the worked example of the format page checks the bytes themselves


def test_pycose_verifies_the_international_signature_from_the_published_trust_list():
    _pycose_knows_the_private_sm2_id()
    cose = sign_licence(LICENCE, DUAL)
    document = json.loads(trust_list_for(DUAL, STANDARD_DIGEST).to_json())
    message = SignMessage.decode(cose)
    signer = message.signers[0]
    kid = signer.phdr[next(h for h in signer.phdr if h.identifier == 4)]
    jwk = next(k for k in document["keys"] if _unb64(k["kid"]) == kid)
    assert jwk["crv"] == "Ed25519"
    signer.key = OKPKey(crv="ED25519", x=_unb64(jwk["x"]))
    assert signer.verify_signature()
    # A changed payload fails in pycose too.
    item = cbor2.loads(cose)
    item.value[2] = item.value[2].replace("张三".encode(), "李四".encode())
    changed = SignMessage.decode(cbor2.dumps(item))
    changed.signers[0].key = OKPKey(crv="ED25519", x=_unb64(jwk["x"]))
    assert not changed.signers[0].verify_signature()


def test_the_documented_pycose_lines_verify_a_dual_signed_licence():
    import re
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "licence-qr-format.md").read_text("utf-8")
    snippet = re.search(r"<!-- example:pycose-sign -->\n```python\n(.*?)\n```", doc, re.DOTALL)
    assert snippet
    jwk = next(k for k in FULL_LIST.to_dict()["keys"] if k["kid"] == INTERNATIONAL.kid_text)
    exec(compile(snippet.group(1), "licence-qr-format.md", "exec"),
         {"cose": sign_licence(LICENCE, DUAL), "x": _unb64(jwk["x"])})


def test_openssl_verifies_the_sm2_signature_over_its_sig_structure(tmp_path):
    item = cbor2.loads(sign_licence(LICENCE, DUAL))
    body_protected, _, payload, signatures = item.value
    protected, _, signature = signatures[1]
    jwk = next(k for k in FULL_LIST.to_dict()["keys"] if k["crv"] == "SM2")
    (tmp_path / "pub.pem").write_bytes(Sm2PublicKey(_unb64(jwk["x"]) + _unb64(jwk["y"])).spki_pem())
    (tmp_path / "sig.der").write_bytes(der_signature(signature))
    for name, data, ok in (("tbs.bin", multi_sig_structure(body_protected, protected, payload), True),
                           ("other.bin", multi_sig_structure(body_protected, protected, payload + b"\x00"), False)):
        (tmp_path / name).write_bytes(data)
        done = subprocess.run(["openssl", "dgst", "-sm3", "-verify", tmp_path / "pub.pem", "-sigopt",
                               "distid:1234567812345678", "-signature", tmp_path / "sig.der", tmp_path / name],
                              capture_output=True, text=True, check=False)
        assert (done.returncode == 0) is ok, done.stdout + done.stderr


def test_yima_checks_both_signatures_and_says_which_it_checked():
    text = licence_url(sign_licence(LICENCE, DUAL), BASE_URL)
    both = verify_licence(text, FULL_LIST, ISSUED)
    assert both.valid and both.payload == LICENCE and both.kid == INTERNATIONAL.kid_text
    assert [(c.alg, c.checked, c.verified) for c in both.signatures] == [("EdDSA", True, True), ("SM2", True, True)]
    assert both.as_dict()["signatures"][1] == {"kid": NATIONAL.kid_text, "alg": "SM2", "checked": True,
                                               "verified": True}
    # A verifier holding the international keys only checks the one it can, and says so.
    one = verify_licence(text, INTERNATIONAL_LIST, ISSUED)
    assert one.valid
    assert [(c.alg, c.checked, c.verified) for c in one.signatures] == [("EdDSA", True, True), ("SM2", False, False)]


@pytest.mark.parametrize("which", [0, 1])
def test_a_changed_signature_is_tampered_whichever_it_is(which):
    item = cbor2.loads(sign_licence(LICENCE, DUAL))
    signature = bytearray(item.value[3][which][2])
    signature[10] ^= 0x01
    item.value[3][which][2] = bytes(signature)
    result = verify_licence(cbor2.dumps(item), FULL_LIST, ISSUED)
    assert result.reason is VerificationReason.TAMPERED and not result.valid
    assert result.kid == (INTERNATIONAL, NATIONAL)[which].kid_text


def test_a_changed_payload_fails_both_and_an_sm2_alg_on_the_wrong_key_is_a_bad_signature():
    item = cbor2.loads(sign_licence(LICENCE, DUAL))
    changed = cbor2.loads(cbor2.dumps(item))
    changed.value[2] = changed.value[2].replace("张三".encode(), "李四".encode())
    assert verify_licence(cbor2.dumps(changed), FULL_LIST, ISSUED).reason is VerificationReason.TAMPERED
    assert verify_licence(cbor2.dumps(changed), INTERNATIONAL_LIST, ISSUED).reason is VerificationReason.TAMPERED
    swapped = cbor2.loads(cbor2.dumps(item))
    swapped.value[3][0][0] = cbor2.dumps({1: SM2_COSE_ALG, 4: INTERNATIONAL.kid})
    assert verify_licence(cbor2.dumps(swapped), FULL_LIST, ISSUED).reason is VerificationReason.BAD_SIGNATURE


def test_the_dual_signed_qr_stays_within_what_phones_scan(capsys):
    """Measured with every permit type of the matter standard (the demo's largest bundle: food
    business, public-place hygiene, pre-packaged food filing). One signature: version 19 (93 × 93
    modules); two: version 22 (105 × 105), base45 version 20 (97 × 97). Version 25 (117 × 117)
    is the bound held: at 0.4 mm a module, the licence PDF prints it within 5 cm."""
    cose = sign_licence(LICENCE, DUAL)
    url, base45 = qr_facts(licence_url(cose, BASE_URL)), qr_facts(licence_base45(cose))
    assert url.error == "M" and url.mode == "alphanumeric"
    assert url.version <= 25 and base45.version <= url.version
    single = qr_facts(licence_url(sign_licence(LICENCE, ZoneKeyring.start(ZONE, INTERNATIONAL)), BASE_URL))
    assert single.version < url.version <= single.version + 4
    print(f"dual-signed: {len(cose)} bytes of COSE, {len(compress(cose))} compressed; URL form {url.characters} "
          f"characters, version {url.version} ({url.modules} modules); base45 version {base45.version}")


def test_yima_verify_prints_which_signatures_it_checked(tmp_path):
    from typer.testing import CliRunner

    from yima.cli import app

    text = licence_url(sign_licence(LICENCE, DUAL), BASE_URL)
    (tmp_path / "full.json").write_text(FULL_LIST.to_json(), encoding="utf-8")
    (tmp_path / "international.json").write_text(INTERNATIONAL_LIST.to_json(), encoding="utf-8")
    runner = CliRunner(env={"COLUMNS": "250"})
    both = runner.invoke(app, ["verify", text, "--trust-list", str(tmp_path / "full.json")])
    assert both.exit_code == 0, both.output
    assert f"EdDSA {INTERNATIONAL.kid_text} ✓" in both.stdout and f"SM2 {NATIONAL.kid_text} ✓" in both.stdout
    one = runner.invoke(app, ["verify", text, "--trust-list", str(tmp_path / "international.json")])
    assert one.exit_code == 0, one.output
    assert f"SM2 {NATIONAL.kid_text} – 未验证 not checked" in one.stdout


@pytest.mark.db
def test_the_zone_answers_for_both_signatures_of_its_licence(db, standard, zone_cq):
    """``POST /api/v1/verify`` answers from ``verify_scanned``: with the zone's SM2 key active its
    licence carries two signatures and the answer lists both, checked and verified."""
    from yima.keys import service as keys
    from yima.licences.api import VerifyOut
    from yima.licences.service import rotate_key, verify_scanned

    rotate_key(db, "cq-gxq", ISSUED, SigningAlgorithm.SM2)
    with db.read() as session:
        ring = keys.keyring(session, "cq-gxq", fresh=True)
    text = licence_url(sign_licence(three_permit_licence(), ring), BASE_URL)
    answer = VerifyOut.model_validate(verify_scanned(db, standard, text, ISSUED).as_json())
    assert answer.valid and answer.kid == ring.active.kid_text
    assert [(s.alg, s.kid, s.checked, s.verified) for s in answer.signatures] == [
        ("EdDSA", ring.active.kid_text, True, True), ("SM2", ring.active_national.kid_text, True, True)]


@pytest.mark.db
def test_the_demo_zones_run_both_profiles(db):
    """The demo's 重庆高新区 signs with Ed25519 and SM2 (its licences signed twice, its OFD sealed), its
    成都高新区 with Ed25519 alone; seeding again adds no key."""
    from datetime import UTC, datetime

    from yima.demo.seed import _seed_zones
    from yima.keys import service as keys

    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    list(_seed_zones(db, now))
    list(_seed_zones(db, now))
    with db.read() as session:
        cq, cd = (keys.keyring(session, zone, fresh=True) for zone in ("cq-gxq", "cd-gxq"))
    assert cq.active_national is not None and cq.active.algorithm is SigningAlgorithm.EDDSA
    assert cd.active_national is None and len(cq.keys) == 2
    cose = sign_licence(three_permit_licence(zone="cq-gxq"), cq)
    assert cbor2.loads(cose).tag == COSE_SIGN_TAG
    assert cbor2.loads(sign_licence(three_permit_licence(zone="cd-gxq"), cd)).tag == 18
