"""The evidence report in a real browser: headless Chromium (Debian's `chromium`) driven by
Playwright. No console error, no request leaving the file, every mark drawn with a size, the
hover tooltip, and screenshots kept in tests/artifacts/ (git-ignored) for a person to look at:
report-top.png (the first screen), report.png (the whole page), report-hover.png (a tooltip). Skipped, with the reason, where Chromium or Playwright cannot be had."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from agent.corpus import Corpus

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
# On a fresh machine the first test waits for apt-get to install chromium.
pytestmark = pytest.mark.timeout(900)


def _install_chromium() -> str | None:
    """Debian's chromium, installed with apt-get when missing and this user may (CI runs as root)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        return None
    for command in (["apt-get", "install", "-y", "-q", "chromium"], ["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]):
        try:
            subprocess.run(command, check=False, capture_output=True, timeout=900, env=os.environ | {"DEBIAN_FRONTEND": "noninteractive"})
        except (OSError, subprocess.TimeoutExpired):
            return None
        found = shutil.which("chromium")
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
    path = _install_chromium()
    if path is None:
        pytest.skip("no chromium, and it cannot be installed here (Debian's `apt-get install chromium` needs root)")
    with sync_api.sync_playwright() as playwright:
        try:
            instance = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        except sync_api.Error as exc:
            pytest.skip(f"chromium at {path} does not start: {str(exc).splitlines()[0]}")
        yield instance
        instance.close()


def _open(browser, path: Path, width: int = 1280):
    """A page on the report, with every console error, page error and outside request kept."""
    page = browser.new_page(viewport={"width": width, "height": 900}, device_scale_factor=1)
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(path.as_uri()) else None)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, problems, requests


def test_the_report_renders_in_chromium_with_every_mark_visible(browser, extracted: Corpus, tmp_path: Path):
    path = extracted.report(tmp_path / "report.html")
    page, problems, requests = _open(browser, path)
    boxes = page.eval_on_selector_all(".text .m", "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; })")
    assert len(boxes) > 100
    assert all(w > 0 and h > 0 for w, h in boxes)
    # The marks are styled: a name has a background, a stance an underline in its relation's colour.
    actor = page.locator(".text .m.t-actor").first
    assert actor.evaluate("e => getComputedStyle(e).backgroundColor") not in ("rgba(0, 0, 0, 0)", "transparent")
    stance = page.locator(".text .m.t-stance.rel-supports").first
    assert stance.evaluate("e => parseFloat(getComputedStyle(e).borderBottomWidth)") > 1
    # The graph: one drawn line per edge, each with a size.
    edges = page.eval_on_selector_all("svg.graph path.edge", "els => els.map(e => e.getBBox().width)")
    assert len(edges) == len([e for e in extracted.stance_graph() if e.relation != "calls_for"]) and all(w > 0 for w in edges)

    # Hover a name: its record shows, and the script lights up every piece of it.
    actor.scroll_into_view_if_needed()
    actor.hover()
    tip = actor.evaluate("e => getComputedStyle(e, '::after').content")
    assert "ACTOR" in tip
    assert "hl" in actor.get_attribute("class")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-hover.png"))
    page.mouse.move(0, 0)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "report-top.png"))  # the header and the stance graph, as a reader first sees them
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    assert not problems, problems
    assert not requests, requests  # self-contained: nothing fetched from anywhere


def test_script_in_an_article_does_not_run_in_the_browser(browser, settings, tmp_path: Path):
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "hostile.txt").write_text(
        'Port talks\n\n<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"> Orbis Group signs.\n', encoding="utf-8"
    )
    with Corpus(settings) as corpus:
        corpus.ingest([folder])
        path = corpus.report(tmp_path / "report.html")
    page, problems, requests = _open(browser, path)
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert "<script>window.pwned = 1</script>" in page.inner_text("article .text")
    assert "not been extracted yet" in page.inner_text(".note")
    assert page.locator("img").count() == 0
    assert not problems and not requests


def test_a_long_outlet_or_name_never_makes_the_page_wider_than_the_window(browser, settings, tmp_path: Path):
    """Issue 27: a 5,003-character outlet stretched the page to 310,000 px."""
    from .test_report import long_names_report

    page, problems, requests = _open(browser, long_names_report(settings, tmp_path), width=1280)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert page.evaluate("document.querySelector('svg.graph').getBoundingClientRect().width") < 1000
    assert not problems and not requests
