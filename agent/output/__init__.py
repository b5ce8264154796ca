"""Output: the HTML report, and records and listings as JSON Lines, CSV or a DataFrame."""
