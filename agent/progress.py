"""Progress bars for long operations (ingest, extract), the same on a terminal and in Jupyter:
rich draws both (in Jupyter through ipywidgets, the `notebook` extra). Shown on stderr, so a
command writing its results to stdout stays pipeable; nothing is shown when stderr is neither
a terminal nor a notebook (a script's log, a test)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class Bar:
    """What a long operation tells the bar: how much there is, and each item done."""

    def __init__(self, progress=None, task=None) -> None:
        self._progress, self._task = progress, task

    def total(self, total: int | None) -> None:
        if self._progress is not None:
            self._progress.update(self._task, total=total)

    def advance(self, label: str, steps: int = 1) -> None:
        if self._progress is not None:
            self._progress.update(self._task, advance=steps, description=label)


@contextmanager
def progress_bar(description: str, show: bool | None = None) -> Iterator[Bar]:
    """A bar for one operation; `show` None: when stderr is a terminal or a notebook."""
    if show is False:
        yield Bar()
        return
    from rich.console import Console

    console = Console(stderr=True)
    if show is None and not (console.is_terminal or console.is_jupyter):
        yield Bar()
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console) as progress:
        yield Bar(progress, progress.add_task(description, total=None))
