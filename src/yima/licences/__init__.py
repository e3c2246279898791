"""Licences: permits bundled with the business licence (一业一证) and the signed one-code licence (一码通行).

The signed licence is a CWT (RFC 8392) in a COSE_Sign1 (RFC 9052), zlib-compressed and carried in
the licence QR code; ``docs/licence-qr-format.md`` describes the format for independent verifiers.
"""
