"""ASGI entry point: ``uvicorn yima.web.asgi:app`` builds the app from the settings."""

from yima.web.app import create_app

app = create_app()
