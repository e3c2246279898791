"""Zones (开发区): the unit that registers enterprises, with its division code and code block."""
