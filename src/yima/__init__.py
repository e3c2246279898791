"""Yima (一码): a market-access platform for a development zone's government service centre."""

import warnings

__version__ = "0.1.0"

# pyHanko imports cryptography's DSA key type, which cryptography now marks deprecated; the notice
# was printed on stderr by every ``yima`` command and server start. Yima signs with Ed25519, ECDSA,
# RSA and SM2 and never with DSA, so the notice says nothing about this program: only that one
# message, from that library, is silenced.
warnings.filterwarnings("ignore", message="DSA is deprecated", module=r"pyhanko\.")
