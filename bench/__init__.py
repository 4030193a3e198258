"""Benchmarks: each prints our figures beside a baseline measured in the same run.

Run from the repository root as modules, e.g. `python -m bench.serving`.
"""
