"""The web application: JSON API (v1) and server-rendered pages."""
