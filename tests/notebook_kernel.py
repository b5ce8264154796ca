"""Loaded in the notebook's kernel when tests/test_notebook.py executes examples/dossier.ipynb, through
an IPython startup file the test writes into its own IPYTHONDIR: the kernel's model calls replay (or,
when recording, record) the cassette the test names, exactly as in-process tests do. The notebook
itself carries no test code."""

from __future__ import annotations

import atexit
import os


def use_cassette() -> None:
    path = os.environ.get("DOSSIER_TEST_CASSETTE")
    if not path:
        return
    import vcr

    from tests.cassettes import VCR_CONFIG

    cassette = vcr.VCR(record_mode=os.environ.get("DOSSIER_TEST_RECORD_MODE", "none"), **VCR_CONFIG).use_cassette(path)
    cassette.__enter__()
    atexit.register(cassette.__exit__, None, None, None)  # a recording is written when the kernel shuts down
