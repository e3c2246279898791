"""ASGI entry point: ``uvicorn yima.app.asgi:app`` builds the app from the settings."""

from yima.app.web import create_app

app = create_app()
