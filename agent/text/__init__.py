"""Text utilities every stage shares: the English parser, and the check that article text stays data."""
