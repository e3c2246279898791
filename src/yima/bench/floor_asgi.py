"""ASGI entry point of the benchmark's floor: ``uvicorn yima.bench.floor_asgi:app`` (``yima.bench.floor``)."""

from yima.bench.floor import floor_from_environment

app = floor_from_environment()
