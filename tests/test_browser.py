"""The report in a real browser: headless Chromium, networking off.

Chromium is driven over its DevTools pipe (``momentumlab.report.browser``, standard library
only). Checks: no console errors or failed loads, nothing requested but the file itself and
data: URIs, every image decoded with a non-zero natural size, at 1400 and 420 CSS px: the
verdict paragraph in the first screen, one section per objective, every figure's smallest
text at least 11 CSS px as displayed, the hero figure within its column, and no sideways
scrolling of the page. Full-page screenshots and the timings are saved under
``test-artifacts/``. Without Chromium the test fails when CI=true and is skipped otherwise.
"""

from __future__ import annotations

import json
import os
import re
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
    html = root / "results" / "quick" / "report" / "index.html"  # the preset copies the name
    text = html.read_text()
    assert "&lt;script&gt;" in text and "<script>" not in text
    return html


LAYOUT_JS = """(() => {
  const box = e => e ? e.getBoundingClientRect() : null;
  const imgs = [...document.querySelectorAll('figure img')].map(img => ({
    id: img.closest('figure').id,
    shown: img.getBoundingClientRect().width,
    css: +img.getAttribute('width'),
    font: +img.dataset.minFontPx,
  }));
  const verdict = document.querySelector('p.verdict');
  const hero = document.getElementById('fig-hero');
  return {
    imgs,
    verdict: verdict ? verdict.textContent.trim() : '',
    verdictTop: verdict ? box(verdict).top + scrollY : null,
    heroTop: hero ? box(hero).top + scrollY : null,
    // how far the hero's image reaches past the column it sits in (it is never shrunk)
    heroOver: hero ? box(hero.querySelector('img')).right - box(hero.parentElement).right : null,
    sections: [...document.querySelectorAll('section.objective h2')]
      .map(h => h.firstChild.textContent.trim()),
    overflow: document.documentElement.scrollWidth > document.documentElement.clientWidth,
    viewport: innerHeight,
  };
})()"""


@pytest.mark.parametrize("width", [1400, 420])
def test_report_renders_cleanly_in_chromium(chromium, report_html, width):
    with Browser(chromium, width=width, height=900) as browser:
        page = browser.open(report_html)
        images = browser.images()
        title = browser.evaluate("document.querySelector('h1').textContent")
        doc_title = browser.evaluate("document.title")
        layout = browser.evaluate(LAYOUT_JS)
        shot = browser.screenshot(ARTIFACTS / f"report-{width}.png")
        top = browser.screenshot(ARTIFACTS / f"report-top-{width}.png", full_page=False)

    timing = {**page.timing, "bytes": report_html.stat().st_size}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"report-timing-{width}.json").write_text(json.dumps(timing, indent=2) + "\n")
    print(
        f"\nreport at {width} px: {timing['bytes'] / 1e6:.2f} MB, load event after "
        f"{timing['load_ms']:.0f} ms (DOMContentLoaded {timing['dom_content_loaded_ms']:.0f} ms);"
        f" screenshot {shot}"
    )

    assert page.errors == [], page.errors
    assert page.failed == [], page.failed
    foreign = [u for u in page.requests if not u.startswith(("file:", "data:"))]
    assert foreign == [], foreign
    assert title.strip() == HOSTILE_TITLE  # shown as text, never run
    assert doc_title != "pwned"
    figures = list((report_html.parent / "figures").glob("*.png"))
    assert len(images) == len(figures) >= 10
    for img in images:
        assert img["complete"] and img["width"] > 0 and img["height"] > 0, img
        assert img["alt"].strip(), img
    # the verdict: generated sentences with numbers, in the first screen
    assert re.search(r"\d×", layout["verdict"]) and "CI" in layout["verdict"], layout["verdict"]
    assert layout["verdictTop"] < layout["viewport"] / 2
    if width >= 1000:  # beside the verdict on a desktop; below it on a phone
        assert layout["heroTop"] < layout["viewport"]
    # the hero fits its column at its natural size (at 420 px, 365 px beside a 15-px scrollbar)
    assert layout["heroOver"] <= 0.5, f"the hero overflows its column by {layout['heroOver']} px"
    # one section per objective of the study, in the config's order
    objectives = list(yaml.safe_load((report_html.parents[3] / QUICK).read_text())["objectives"])
    assert layout["sections"] == objectives
    # every figure's smallest text, as displayed: its size at natural size times the scale
    assert len(layout["imgs"]) == len(images)
    for im in layout["imgs"]:
        assert im["shown"] > 0 and im["font"] > 0, im
        assert im["font"] * im["shown"] / im["css"] >= 11 - 1e-6, im
    assert not layout["overflow"], f"the page scrolls sideways at {width} px"
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
