"""Answering: read the question (`question.read`), route it and answer from stored records or
passages (`routes.ask`), and verify every citation (`verify`)."""
