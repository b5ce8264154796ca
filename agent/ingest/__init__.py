"""Ingest: files, folders and web pages read into articles (`readers.read_paths`), the date an
article states for itself (`published`), and articles cut into chunks (`chunking`)."""
