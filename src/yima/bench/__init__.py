"""Benchmarks run by ``yima bench``: real servers on 127.0.0.1, bounded in count and time."""
