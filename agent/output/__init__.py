"""Output: the HTML evidence report (`report.render`), and records and listings as JSON Lines,
CSV or a DataFrame (`export`)."""
