"""The graph: across articles, one canonical actor per entity, and the stance graph between
them (`consolidate.Consolidation`)."""
