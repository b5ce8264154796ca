"""Extraction: article -> Actor, Stance, DateMention and Link records, each with verified
evidence (`pipeline.extract_article`), from the lexicon, grammar frames, ties between names,
dates and the model's closed judgements."""
