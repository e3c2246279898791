"""The zone's X.509 public-key infrastructure: seal CA, keys, and PAdES signing of PDFs.

Pure functions only: keys, certificates and the time are passed in; nothing here reads the
database, the environment or the clock.
"""
