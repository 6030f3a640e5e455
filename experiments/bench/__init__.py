"""Rows of ``experiments/benchmark.py`` that live in their own modules."""
