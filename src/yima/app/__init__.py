"""The composition root: the one place that knows every feature.

``features`` lists each feature's ``install`` in one explicit order and plugs what they added into
the packages that run it; ``web`` builds the ASGI app, ``cli`` the ``yima`` command, ``jobs`` the
job runner. No feature imports this package. A feature that cannot be imported stops the start
with its ImportError.
"""
