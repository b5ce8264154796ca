"""Answering: read the question, route it, answer from stored records or passages, verify the citations."""
