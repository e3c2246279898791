"""The ``yima`` console script (``yima.cli:app``), built by the composition root ``yima.app.cli``."""

from yima.app.cli import app

__all__ = ["app"]

if __name__ == "__main__":
    app()
