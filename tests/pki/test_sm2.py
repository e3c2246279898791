"""SM2 with SM3 (the national profile) checked against an independent implementation: OpenSSL 3's
command line. Signatures made here verify in ``openssl dgst -sm3 -verify … -sigopt distid:…`` and
signatures made by OpenSSL verify here; the SM4-encrypted PKCS#8 key files go both ways too."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from yima.pki.sm2 import (
    DEFAULT_USER_ID,
    Sm2KeyError,
    Sm2PrivateKey,
    Sm2PublicKey,
    der_signature,
    is_sm2_encrypted_pem,
    raw_signature,
)

MESSAGE = "重庆一码餐饮管理有限公司 91500107MA5U7G3X26".encode()


def openssl(*args: str | Path, ok: bool = True) -> subprocess.CompletedProcess[bytes]:
    done = subprocess.run(["openssl", *map(str, args)], capture_output=True, check=False)
    if ok:
        assert done.returncode == 0, done.stderr.decode()
    return done


def openssl_verifies(public_pem: Path, signature: bytes, message: bytes, tmp: Path,
                     user_id: bytes = DEFAULT_USER_ID) -> bool:
    (tmp / "sig.der").write_bytes(signature)
    (tmp / "msg.bin").write_bytes(message)
    done = openssl("dgst", "-sm3", "-verify", public_pem, "-sigopt", f"distid:{user_id.decode()}",
                   "-signature", tmp / "sig.der", tmp / "msg.bin", ok=False)
    return done.returncode == 0 and b"Verified OK" in done.stdout


def test_a_signature_made_here_verifies_in_openssl_and_a_changed_message_does_not(tmp_path):
    key = Sm2PrivateKey.generate()
    (tmp_path / "pub.pem").write_bytes(key.public.spki_pem())
    signature = key.sign(MESSAGE)
    assert openssl_verifies(tmp_path / "pub.pem", signature, MESSAGE, tmp_path)
    assert not openssl_verifies(tmp_path / "pub.pem", signature, MESSAGE + b".", tmp_path)
    # The COSE form r || s is the same signature.
    assert openssl_verifies(tmp_path / "pub.pem", der_signature(key.sign_raw(MESSAGE)), MESSAGE, tmp_path)
    # Z_A carries the signer id: under another id OpenSSL refuses it.
    assert not openssl_verifies(tmp_path / "pub.pem", signature, MESSAGE, tmp_path, b"ALICE123@YAHOO.COM")


def test_a_configured_signer_id_goes_into_z_a_as_openssl_computes_it(tmp_path):
    key = Sm2PrivateKey.generate()
    (tmp_path / "pub.pem").write_bytes(key.public.spki_pem())
    signature = key.sign(MESSAGE, b"ALICE123@YAHOO.COM")
    assert openssl_verifies(tmp_path / "pub.pem", signature, MESSAGE, tmp_path, b"ALICE123@YAHOO.COM")
    assert not openssl_verifies(tmp_path / "pub.pem", signature, MESSAGE, tmp_path)
    assert key.public.verify(signature, MESSAGE, b"ALICE123@YAHOO.COM")
    assert not key.public.verify(signature, MESSAGE)


def test_a_signature_made_by_openssl_verifies_here_and_a_changed_one_does_not(tmp_path):
    openssl("genpkey", "-algorithm", "SM2", "-out", tmp_path / "key.pem")
    openssl("pkey", "-in", tmp_path / "key.pem", "-pubout", "-outform", "DER", "-out", tmp_path / "pub.der")
    (tmp_path / "msg.bin").write_bytes(MESSAGE)
    signature = openssl("dgst", "-sm3", "-sign", tmp_path / "key.pem", "-sigopt", "distid:1234567812345678",
                        tmp_path / "msg.bin").stdout
    public = Sm2PublicKey.from_spki_der((tmp_path / "pub.der").read_bytes())
    assert public.verify(signature, MESSAGE)
    assert public.verify_raw(raw_signature(signature), MESSAGE)
    assert not public.verify(signature, MESSAGE + b".")
    flipped = bytearray(raw_signature(signature))
    flipped[40] ^= 1
    assert not public.verify_raw(bytes(flipped), MESSAGE)
    assert not public.verify(b"\x30\x03garbage", MESSAGE)  # malformed DER: False, never a crash
    # OpenSSL's key file (PKCS#8, SM4-encrypted) reads here and signs what OpenSSL verifies.
    openssl("pkcs8", "-topk8", "-in", tmp_path / "key.pem", "-v2", "sm4-cbc", "-v2prf", "hmacWithSHA256",
            "-passout", "pass:s3cret-passphrase", "-out", tmp_path / "enc.pem")
    key = Sm2PrivateKey.from_encrypted_pem((tmp_path / "enc.pem").read_bytes(), b"s3cret-passphrase")
    assert key.public == public
    openssl("pkey", "-in", tmp_path / "key.pem", "-pubout", "-out", tmp_path / "pub.pem")
    assert openssl_verifies(tmp_path / "pub.pem", key.sign(MESSAGE), MESSAGE, tmp_path)


def test_the_key_at_rest_is_sm4_encrypted_pkcs8_that_openssl_decrypts(tmp_path):
    key = Sm2PrivateKey.generate()
    stored = key.to_encrypted_pem(b"zone key encryption key")
    assert is_sm2_encrypted_pem(stored) and b"ENCRYPTED PRIVATE KEY" in stored
    (tmp_path / "enc.pem").write_bytes(stored)
    parsed = openssl("asn1parse", "-in", tmp_path / "enc.pem").stdout.decode()
    assert "sm4-cbc" in parsed and "PBKDF2" in parsed and "hmacWithSHA256" in parsed
    public = openssl("pkey", "-in", tmp_path / "enc.pem", "-passin", "pass:zone key encryption key",
                     "-pubout").stdout
    assert public == key.public.spki_pem()
    assert openssl("pkey", "-in", tmp_path / "enc.pem", "-passin", "pass:wrong", ok=False).returncode != 0
    assert Sm2PrivateKey.from_encrypted_pem(stored, b"zone key encryption key").secret == key.secret
    with pytest.raises(Sm2KeyError):
        Sm2PrivateKey.from_encrypted_pem(stored, b"wrong")


def test_a_public_key_that_is_not_on_the_sm2_curve_container_is_refused(tmp_path):
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", tmp_path / "p256.pem")
    openssl("pkey", "-in", tmp_path / "p256.pem", "-pubout", "-outform", "DER", "-out", tmp_path / "p256.der")
    with pytest.raises(Sm2KeyError):
        Sm2PublicKey.from_spki_der((tmp_path / "p256.der").read_bytes())
    with pytest.raises(Sm2KeyError):
        Sm2PublicKey(b"\x01" * 63)
