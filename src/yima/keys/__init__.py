"""The zone's signing keys (签名密钥): one room every feature may use to sign and to verify.

* ``yima.keys.model`` — keys, key ids (``kid``) and the keyring with one active key (pure).
* ``yima.keys.trustlist`` — the zone's published trust list, a JWK Set (pure).
* ``yima.keys.signature`` — ``ZoneSignature`` and ``verify(trust_list, signature, message)`` (pure).
* ``yima.keys.service`` — keys as stored: ``create_zone_key``, ``keyring``, ``rotate``,
  ``trust_list(db, standard, zone)`` and ``sign(session, zone, message)``.

This package imports no feature's service; licences, the audit log and exchanges with other zones
build on it.
"""
