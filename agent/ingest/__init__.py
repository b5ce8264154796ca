"""Ingest: files, folders and web pages read into articles, and articles cut into chunks."""
