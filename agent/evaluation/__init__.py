"""Evaluation: scorers against gold files, the naive baselines, and `agent bench`."""
