"""The report in a real browser: headless Chromium, networking off.

Chromium is driven over its DevTools pipe (``momentumlab.report.browser``, standard library
only). Checks: no console errors or failed loads, nothing requested but the file itself and
data: URIs, every image decoded with a non-zero natural size. A full-page screenshot and the
timings are saved under ``test-artifacts/``. Without Chromium the test fails when CI=true and
is skipped otherwise.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from test_report import ROOT
from workflow_helpers import QUICK, copy_workflow, snakemake

from momentumlab.report.browser import Browser, find_chromium

pytestmark = [pytest.mark.browser, pytest.mark.workflow]

ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def chromium() -> str:
    exe = find_chromium()
    if exe is None:
        reason = "Chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " and CI=true: the browser test must run in CI")
        pytest.skip(reason)
    return exe


HOSTILE_TITLE = 'Quick check <script>document.title="pwned"</script> & more'


@pytest.fixture(scope="module")
def report_html(tmp_path_factory) -> Path:
    """The report the pipeline makes from the quick preset, with a hostile title."""
    root = copy_workflow(tmp_path_factory.mktemp("browser") / "study")
    cfg = yaml.safe_load((root / QUICK).read_text())
    cfg["title"] = HOSTILE_TITLE
    (root / "config" / "presets" / "browser.yaml").write_text(yaml.safe_dump(cfg))
    snakemake(root, "--cores", "2", "--configfile", "config/presets/browser.yaml")
    html = root / "results" / "report" / "index.html"
    text = html.read_text()
    assert "&lt;script&gt;" in text and "<script>" not in text
    return html


def test_report_renders_cleanly_in_chromium(chromium, report_html):
    with Browser(chromium, width=1280, height=900) as browser:
        page = browser.open(report_html)
        images = browser.images()
        title = browser.evaluate("document.querySelector('h1').textContent")
        doc_title = browser.evaluate("document.title")
        overflow = browser.evaluate(
            "document.documentElement.scrollWidth > document.documentElement.clientWidth"
        )
        shot = browser.screenshot(ARTIFACTS / "report.png")
        top = browser.screenshot(ARTIFACTS / "report-top.png", full_page=False)

    timing = {**page.timing, "bytes": report_html.stat().st_size}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "report-timing.json").write_text(json.dumps(timing, indent=2) + "\n")
    print(
        f"\nreport: {timing['bytes'] / 1e6:.2f} MB, load event after {timing['load_ms']:.0f} ms "
        f"(DOMContentLoaded {timing['dom_content_loaded_ms']:.0f} ms); screenshot {shot}"
    )

    assert page.errors == [], page.errors
    assert page.failed == [], page.failed
    foreign = [u for u in page.requests if not u.startswith(("file:", "data:"))]
    assert foreign == [], foreign
    assert title.strip() == HOSTILE_TITLE  # shown as text, never run
    assert doc_title != "pwned"
    figures = list((report_html.parent / "figures").glob("*.png"))
    assert len(images) == len(figures) >= 9
    for img in images:
        assert img["complete"] and img["width"] > 0 and img["height"] > 0, img
        assert img["alt"].strip(), img
    assert not overflow, "the page scrolls sideways at 1280 px"
    assert shot.stat().st_size > 50_000 and top.stat().st_size > 10_000


def test_the_harness_sees_errors_and_fetches(chromium, tmp_path):
    """A control: a page that fetches from the network and logs an error must be caught."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><html><head><title>bad</title></head><body>"
        '<img alt="remote" src="https://example.invalid/x.png">'
        "<script>console.error('boom')</script></body></html>"
    )
    with Browser(chromium) as browser:
        page = browser.open(bad)
        images = browser.images()
    assert any("boom" in e for e in page.errors)
    assert any("example.invalid" in u for u in page.requests)
    assert page.failed and images[0]["width"] == 0
