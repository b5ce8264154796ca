"""Text utilities every stage shares, one implementation of each: sentences, datelines, month
names and absolute dates, name folding, countries, the English parser (`nlp.parse`), and the
check that article text stays data (`safety`)."""
