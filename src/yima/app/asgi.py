"""ASGI entry point: ``uvicorn yima.app.asgi:app`` builds the app from the settings and warms it
up (templates compiled, mappers configured) before the first request; with several workers this
happens once, in the process the workers are forked from (``yima.web.prefork``)."""

from yima.app.web import create_app
from yima.web.app import warm_up

app = create_app()
warm_up(app)
