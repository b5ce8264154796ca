"""Evaluation: `agent eval` as a function (`run.evaluate_corpus`), the scorers against gold
files, the naive baselines, and `agent bench`. It measures the product through `Corpus`."""
