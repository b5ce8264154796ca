"""The errors Dossier raises to users: each message says what failed and what fixes it."""


class DossierError(Exception):
    """Base class: the CLI prints these as one clear line, never a traceback."""


class ModelError(DossierError):
    """The language model could not be reached, started or made to answer validly."""


class IndexUnavailable(DossierError):
    """The index cannot be used as configured (server unreachable, other embedding model)."""
