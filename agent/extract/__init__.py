"""Extraction: article -> Actor, Stance, DateMention and Link records, each with verified evidence."""
