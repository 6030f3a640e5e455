"""The rows of ``experiments/benchmark.py``, one module each, and what they share."""
