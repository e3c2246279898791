"""Yima (一码): a market-access platform for a development zone's government service centre."""

__version__ = "0.1.0"
