"""examples/dossier.ipynb runs from top to bottom in a real Jupyter kernel (nbclient), offline:
the kernel's model calls replay cassettes/example_notebook.yaml, recorded from the embedded
server (`make record`, or RECORD_MODEL_URL=... pytest tests/test_notebook.py --record-mode=rewrite).
The cassette is loaded by an IPython startup file in the test's own IPYTHONDIR
(tests/notebook_kernel.py), so the notebook carries no test code."""

from __future__ import annotations

import queue
import re
import shutil
import time
from pathlib import Path

import pytest

from .cassettes import CASSETTES
from .conftest import EXAMPLES, ROOT

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

# `make record` selects the tests that call the model by this mark.
pytestmark = [pytest.mark.vcr, pytest.mark.timeout(900)]

NOTEBOOK = ROOT / "examples" / "dossier.ipynb"
CASSETTE = CASSETTES / "example_notebook.yaml"
DEMO_EXTRACTION = CASSETTES / "extract_demo_corpus.yaml"


def _outputs(cell) -> tuple[str, str]:
    """A cell's text and HTML outputs, each joined."""
    text, html = [], []
    for output in cell.get("outputs", []):
        if output.get("name") in ("stdout", "stderr"):
            text.append(output["text"])
        data = output.get("data", {})
        text.append(data.get("text/plain", ""))
        html.append(data.get("text/html", ""))
    return "".join(text), "".join(html)


def _poll_in_slices(channel, slice_s: float = 1.0) -> None:
    """Wait for the kernel's replies one second at a time. While a cell's progress bar (a
    widget, updated from a thread) is live, the shell socket's wake-up is sometimes missed and
    nbclient then waits out the whole cell timeout before it reads a reply that came at once
    (jupyter/nbclient#312): two full runs here each lost 10 minutes after the extraction cell.
    A fresh wait sees a message that is already there."""
    get = channel.get_msg

    async def get_msg(timeout: float | None = None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = slice_s if deadline is None else max(0.0, min(slice_s, deadline - time.monotonic()))
            try:
                return await get(timeout=wait)
            except queue.Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    channel.get_msg = get_msg


def _cell(notebook, source_part: str):
    return next(c for c in notebook.cells if c.cell_type == "code" and source_part in c.source)


def test_the_example_notebook_runs_offline(tmp_path: Path, model_url: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    # The notebook reads the demo articles beside it: run a copy beside a copy of them.
    shutil.copytree(EXAMPLES, tmp_path / "libya")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    startup = tmp_path / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-cassette.py").write_text("from tests.notebook_kernel import use_cassette\nuse_cassette()\n")
    recording = (request.config.getoption("--record-mode") or "none") != "none"
    if recording:
        # The notebook's extraction sends exactly the requests of the demo corpus's extraction, whose
        # cassette was recorded from the same server: start from it and record only what is new
        # (the questions; all of it when extraction changed).
        shutil.copyfile(DEMO_EXTRACTION, CASSETTE)
    # The kernel inherits this environment: the same settings every other test uses.
    for key, value in {
        "IPYTHONDIR": str(tmp_path / "ipython"),
        "PYTHONPATH": str(ROOT),
        "DOSSIER_TEST_CASSETTE": str(CASSETTE),
        "DOSSIER_TEST_RECORD_MODE": "new_episodes" if recording else "none",
        "DOSSIER_BASE_URL": model_url,
        "DOSSIER_MODEL": "dossier-local",
        "DOSSIER_INDEX_PATH": str(tmp_path / "index"),
        "DOSSIER_CACHE_DIR": str(tmp_path / "cache"),
        "DOSSIER_MAX_RETRIES": "0",
        "DOSSIER_REQUEST_TIMEOUT": "300",
    }.items():
        monkeypatch.setenv(key, value)

    client = nbclient.NotebookClient(  # a recording waits on the real model, shared and slow: no cell limit then
        notebook, timeout=None if recording else 600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}},
    )
    client.on_notebook_start = lambda notebook: _poll_in_slices(client.kc.shell_channel)
    client.execute()  # raises CellExecutionError, with the cell and its traceback, if any cell fails
    artifacts = Path(__file__).parent / "artifacts"
    artifacts.mkdir(exist_ok=True)
    nbformat.write(notebook, artifacts / "dossier.executed.ipynb")  # git-ignored: the run, to read

    ingest_text, _ = _outputs(_cell(notebook, "corpus.ingest("))
    assert "5 added" in ingest_text and "35 chunks" in ingest_text

    # Each answer renders with its sources' title, outlet (or article), date and the quote marked.
    for question, expected in (("Where did Erdogan and Putin meet?", "Istanbul"), ("Who backs the GNA?", "Turkey")):
        _, html = _outputs(_cell(notebook, question))
        assert expected in html and "<mark" in html
        assert re.search(r"· (Reuters|outlet not stated) · (\d{4}-\d{2}-\d{2}|undated) · <code>\d{3}_\w+\.txt</code> chars \d+–\d+", html)

    extract_cell = _cell(notebook, "corpus.extract()")
    text, _ = _outputs(extract_cell)
    assert "records from 5 articles" in text
    # The progress bar is drawn as a widget in Jupyter.
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in extract_cell.outputs)

    _, actors_html = _outputs(_cell(notebook, "corpus.actors().to_pandas()"))
    assert "<table" in actors_html and "Government of National Accord" in actors_html and "GNA" in actors_html
    _, stances_html = _outputs(_cell(notebook, 'corpus.stances(relation="supports")'))
    assert "<table" in stances_html and "supports" in stances_html

    report = tmp_path / "dossier_report.html"
    assert report.exists() and "<svg class='graph'" in report.read_text(encoding="utf-8")
    _, iframe = _outputs(_cell(notebook, "corpus.report("))
    assert "dossier_report.html" in iframe
    for cell in notebook.cells:
        assert not any(o.get("output_type") == "error" for o in cell.get("outputs", []))
    if recording:
        assert CASSETTE.exists(), "the kernel wrote no cassette"
