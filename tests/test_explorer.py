"""The report's interactive explorer, driven in headless Chromium like a user would.

Controls are set by value with the input events a browser fires (and a real drag and real key
presses), then what the page drew is read back through ``window.momentumExplorer`` and the
readout's ``data-value`` attributes and compared with the library: the iterates with
``momentumlab.trajectory`` (1e-12 relative), the settling time and first passage with an
independent computation from those iterates and with ``momentumlab.simulate``, the theory
readout with ``momentumlab.theory``, the measured marker with the study's ``cells.csv``. A
control test renders the report with a subtly wrong update rule and checks the comparison fails.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import test_browser
from workflow_helpers import QUICK, ROOT, copy_workflow, snakemake, study_config

import momentumlab as ml
from momentumlab import theory
from momentumlab.methods import METHODS
from momentumlab.report import build_report, make_env
from momentumlab.report.browser import Browser
from momentumlab.report.explorer import explorer_context, method_specs, study_objective
from momentumlab.tables import read_csv

TEMPLATES = ROOT / "report" / "templates"
RTOL = 1e-12
chromium = test_browser.chromium  # the fixture: Chromium's path, or skip/fail as there


# ------------------------------------------------------------------ without a browser


def _flag_rule(spec, g, v, alpha, beta):
    """The update the explorer's script implements, from a method's flags alone."""
    if not spec["uses_beta"]:
        return -alpha * g, v
    v = beta * v + ((1.0 - beta) * g if spec["ema"] else g)
    d = g + beta * v if spec["nesterov"] else v
    return -alpha * d, v


def test_the_flags_the_script_uses_reproduce_every_registered_method():
    specs = {s["name"]: s for s in method_specs()}
    assert set(specs) == set(METHODS)
    gen = np.random.default_rng(3)
    for name, m in METHODS.items():
        w = gen.standard_normal((5, 2))
        state = m.init(w)
        v = np.zeros_like(w)
        for _ in range(6):
            g = gen.standard_normal((5, 2))
            delta, state = m.update(g, state, 0.3, 0.7)
            ref, v = _flag_rule(specs[name], g, v, 0.3, 0.7)
            np.testing.assert_array_equal(delta, ref, err_msg=name)


def test_context_packs_the_2d_quadratic_cells():
    config = {
        "objectives": {
            "wide": {"type": "quadratic", "dim": 50, "spectrum": "logspace"},
            "noisy": {"type": "quadratic", "dim": 2, "noise": 0.1},
            "bowl": {"type": "quadratic", "dim": 2, "max_iter": 777, "tol": 1e-4},
        },
        "tol": 1e-6,
        "max_iter": 5000,
    }
    assert study_objective(config)[0] == "bowl"
    cell = {"objective": "bowl", "kappa": 10.0, "median_ci_low": 3.0, "median_ci_high": 9.0}
    cells = [
        {**cell, "method": "heavy_ball", "alpha_L": 2.0, "beta": 0.9, "median_iter": 7.0},
        {**cell, "method": "heavy_ball", "alpha_L": 1.0, "beta": 0.5, "median_iter": None},
        {**cell, "method": "gd", "alpha_L": 1.0, "beta": 0.0, "median_iter": 40.0},
        {**cell, "objective": "wide", "method": "gd", "alpha_L": 1.0, "beta": 0.0},
    ]
    ctx = explorer_context(cells, config)
    assert (ctx["tol"], ctx["horizon"], ctx["objective"]) == (1e-4, 777, "bowl")
    maps = {m["method"]: m for m in ctx["data"]["study"]["maps"]}
    hb = maps["heavy_ball"]
    assert hb["alpha_L"] == [1.0, 2.0] and hb["beta"] == [0.5, 0.9]
    assert hb["median"] == [None, None, None, 7]  # row-major in beta; missing cells are None
    assert hb["lo"][3] == 3 and hb["hi"][3] == 9
    assert maps["gd"]["median"] == [40] and list(maps) == ["gd", "heavy_ball"]
    assert explorer_context([], {"objectives": {}})["data"]["study"] is None


def test_embedded_data_cannot_close_its_script_tag():
    label = "</script><script>alert(1)</script>"
    config = {"objectives": {label: {"type": "quadratic", "dim": 2}}}
    cells = [{"objective": label, "kappa": 10.0, "method": "gd", "alpha_L": 1.0, "beta": 0.0}]
    ctx = explorer_context(cells, config)
    assert "<" not in ctx["json"] and json.loads(ctx["json"])["study"]["objective"] == label


def test_the_script_and_styles_pass_through_jinja_verbatim():
    """They are included by jinja: nothing in them may look like template syntax."""
    html = (
        make_env(TEMPLATES)
        .get_template("explorer.html.j2")
        .render(explorer=explorer_context([], {}))
    )
    for name in ("explorer.js", "explorer.css"):
        assert (TEMPLATES / name).read_text() in html, name


# ------------------------------------------------------------------ in Chromium


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    """The quick preset's study, run by the pipeline: its report and tables."""
    root = copy_workflow(tmp_path_factory.mktemp("explorer") / "study")
    snakemake(root, "--cores", "2", "--configfile", QUICK)
    return root


@pytest.fixture(scope="module")
def report_html(study) -> Path:
    return study / "results" / "quick" / "report" / "index.html"


SET_CONTROL = """(([id, value]) => {
  const el = document.getElementById(id);
  el.focus();
  el.value = value;
  el.dispatchEvent(new Event("input", {bubbles: true}));
  el.dispatchEvent(new Event("change", {bubbles: true}));
  return el.value;
})"""

WATCH_ERRORS = """(() => {
  window.__errors = [];
  window.addEventListener("error", e => window.__errors.push(String(e.message)));
  const orig = console.error;
  console.error = (...a) => { window.__errors.push(a.join(" ")); orig(...a); };
})()"""


def set_control(b: Browser, id_: str, value) -> str:
    return b.evaluate(f"{SET_CONTROL}({json.dumps([id_, str(value)])})")


def press(b: Browser, key: str, code: int):
    for kind in ("keyDown", "keyUp"):
        b.send("Input.dispatchKeyEvent", {"type": kind, "key": key, "code": key,
                                          "windowsVirtualKeyCode": code})  # fmt: skip


def mouse(b: Browser, kind: str, x: float, y: float):
    event = {"type": kind, "x": x, "y": y, "button": "left", "buttons": 1, "clickCount": 1}
    b.send("Input.dispatchMouseEvent", event)


def center(b: Browser, selector: str) -> tuple[float, float]:
    r = b.evaluate(
        f"document.querySelector({json.dumps(selector)}).getBoundingClientRect().toJSON()"
    )
    return r["x"] + r["width"] / 2, r["y"] + r["height"] / 2


def drawn(b: Browser) -> dict:
    return json.loads(b.evaluate("JSON.stringify(momentumExplorer.drawn())"))


def readout(b: Browser) -> dict:
    rows = b.evaluate(
        """Array.from(document.querySelectorAll('#ex-theory dd')).map(
             d => [d.dataset.key, d.dataset.value, d.textContent])"""
    )
    return {k: (float(v) if v not in ("null", "") else None, text) for k, v, text in rows}


def as_array(iterates) -> np.ndarray:
    return np.array([[np.nan if x is None else x for x in row] for row in iterates], float)


def assert_close(js: np.ndarray, py: np.ndarray, what: str):
    assert js.shape == py.shape, (what, js.shape, py.shape)
    both_nan = np.isnan(js) & np.isnan(py)
    err = np.abs(js - py)
    scale = np.maximum(np.abs(js), np.abs(py))
    bad = ~both_nan & ~(err <= RTOL * scale)
    assert not bad.any(), (
        f"{what}: first mismatch at {np.argwhere(bad)[0]}: {js[bad][0]} vs {py[bad][0]}"
    )


def settling_reference(method, alpha_L, beta, kappa, start, tol, horizon) -> dict:
    """Settling time, first passage and divergence from the library's iterates (numpy)."""
    W = ml.trajectory(
        "quadratic", method, kappa=kappa, dim=2, alpha=alpha_L, alpha_unit="inv_L",
        beta=beta, start=start, steps=horizon,
    )  # fmt: skip
    with np.errstate(over="ignore", invalid="ignore"):
        gap = 0.5 * (W[:, 0] ** 2 + kappa * W[:, 1] ** 2)
    bad = np.nonzero(~(gap <= ml.DIVERGENCE_FACTOR * gap[0]))[0]
    if bad.size:
        gap = gap[: bad[0]]
    above = np.nonzero(gap > tol * gap[0])[0]
    below = np.nonzero(gap <= tol * gap[0])[0]
    return {
        "divergedAt": int(bad[0]) if bad.size else None,
        "firstHit": int(below[0]) if below.size else None,
        "settling": None if bad.size or above[-1] == horizon else int(above[-1]) + 1,
    }


# (method, alpha_L or "optimal", beta, kappa, (w1, sqrt(kappa) w2) start)
CASES = [
    ("heavy_ball", "optimal", None, 100.0, (-1.0, 0.6)),
    ("momentum", 10.0, 0.9, 1000.0, (0.7, -1.1)),
    ("nesterov", 1.2, 0.95, 50.0, (-0.3, 1.0)),
    ("gd", 1.9, None, 10.0, (1.0, 1.0)),
    ("heavy_ball", 4.5, 0.5, 100.0, (-1.0, 0.6)),  # above 2 (1 + beta): diverges
    ("nesterov", 1.0, 0.99, 100.0, (-1.0, 0.6)),  # under-damped: passes below tol early
    ("momentum", 1.0, 0.0, 1.0, (0.5, 0.5)),  # kappa = 1, beta = 0: one step
    ("nesterov", 0.05, 0.3, 10000.0, (1.0, 0.2)),  # far too small a step: not settled
]


def drive(b: Browser, method, alpha_L, beta, kappa, start):
    set_control(b, "ex-method", method)
    set_control(b, "ex-kappa", repr(kappa))
    if alpha_L == "optimal":
        b.evaluate("document.getElementById('ex-optimal').click()")
    else:
        set_control(b, "ex-alpha", repr(alpha_L))
    if beta is not None:
        set_control(b, "ex-beta", repr(beta))
    set_control(b, "ex-x0", repr(start[0]))
    set_control(b, "ex-y0", repr(start[1]))


def check_against_library(b: Browser, case, tol, horizon) -> dict:
    """Everything the page shows for one case, against the library; returns the drawn runs."""
    method, alpha_L, beta, kappa, (x0, y0) = case
    d = drawn(b)
    main, gd = d["main"], d["gd"]
    if alpha_L == "optimal":
        t = theory.optimal(method, 1.0, kappa)
        alpha_L, beta = t.alpha * kappa, t.beta
    beta = beta if METHODS[method].takes("beta") else 0.0
    start = [x0, y0 / math.sqrt(kappa)]
    assert main["method"] == method and main["kappa"] == kappa
    assert main["alphaL"] == alpha_L and main["beta"] == beta and main["start"] == start
    for run, name, aL, b_ in ((main, method, alpha_L, beta), (gd, "gd", alpha_L, 0.0)):
        js = as_array(run["iterates"])
        py = ml.trajectory(
            "quadratic", name, kappa=kappa, dim=2, alpha=aL, alpha_unit="inv_L", beta=b_,
            start=start, steps=len(js) - 1,
        )  # fmt: skip
        assert_close(js, py, f"{case}: {name} iterates")
        ref = settling_reference(name, aL, b_, kappa, start, tol, horizon)
        got = {k: run[k] for k in ref}
        assert got == ref, (case, name, got, ref)
        rec = ml.simulate(
            "quadratic", name, kappa=kappa, dim=2, alpha=aL, alpha_unit="inv_L", beta=b_,
            starts=[start], tol=tol, max_iter=horizon, curve_points=2,
        )[0]  # fmt: skip
        # the library: iterations = settling time when converged, first_hit the first passage
        status = {"converged": "settled", "diverged": "diverged", "max_iter": "unsettled"}
        assert run["status"] == status[rec.status], (case, name, run["status"], rec)
        if rec.status == "diverged":
            assert run["divergedAt"] == rec.iterations
        else:
            assert run["firstHit"] == rec.first_hit, (case, name, run, rec)
        if rec.status == "converged":
            assert run["settling"] == rec.iterations, (case, name, run, rec)
    # the theory readout
    r = readout(b)
    L = kappa
    rho = float(theory.spectral_radius(method, alpha_L / L, beta, [1.0, kappa]))
    assert math.isclose(r["rho"][0], rho, rel_tol=RTOL), (r["rho"], rho)
    assert math.isclose(main["rho"], rho, rel_tol=RTOL)
    pred = theory.predicted_iterations(rho, tol)
    assert r["predicted"][0] == pred or math.isclose(r["predicted"][0], pred, rel_tol=RTOL)
    assert math.isclose(r["margin"][0], 1 - rho, rel_tol=1e-9, abs_tol=1e-15)
    amax = float(theory.max_stable_alpha(method, beta, L)) * L
    assert math.isclose(r["max_alpha_L"][0], amax, rel_tol=RTOL)
    opt = theory.optimal(method, 1.0, L)
    assert math.isclose(r["opt_alpha_L"][0], opt.alpha * L, rel_tol=RTOL)
    assert math.isclose(r["opt_rate"][0], opt.rate, rel_tol=RTOL, abs_tol=1e-300)
    assert r["opt_iterations"][0] == pytest.approx(opt.iterations(tol), rel=RTOL)
    if METHODS[method].takes("beta"):
        assert math.isclose(r["opt_beta"][0], opt.beta, rel_tol=RTOL, abs_tol=1e-300)
        cb = r["critical_beta"][0]
        if cb is not None:  # a double root for the flattest direction at this alpha
            c1, c0 = theory.char_poly(method, alpha_L / L, cb, 1.0)
            assert abs(float(c1 * c1 - 4 * c0)) <= 1e-12 * float(c1 * c1), (case, cb)
    shown = r["rho"][1].split(" ")[0].replace("−", "-")
    assert float(shown) == pytest.approx(rho, rel=1e-3)  # the visible text says the same
    return d


def open_report(b: Browser, path: Path):
    page = b.open(path)
    b.evaluate(WATCH_ERRORS)
    return page


@pytest.mark.browser
@pytest.mark.workflow
def test_controls_draw_the_library_iterates_settling_and_theory(chromium, report_html, study):
    cfg = study_config(study / QUICK)
    tol, horizon = float(cfg["tol"]), int(cfg["max_iter"])
    with Browser(chromium, width=1400, height=1000) as b:
        page = open_report(b, report_html)
        assert page.errors == [] and page.failed == [], (page.errors, page.failed)
        foreign = [u for u in page.requests if not u.startswith(("file:", "data:"))]
        assert foreign == [], foreign
        assert b.evaluate("!document.querySelector('#explorer .ex-app').hidden")
        seen = set()
        for case in CASES:
            drive(b, *case)
            d = check_against_library(b, case, tol, horizon)
            seen.add(d["main"]["status"])
            seen.add(d["main"]["firstHit"] == d["main"]["settling"])
        assert seen == {"settled", "diverged", "unsettled", True, False}  # the cases cover these
        # the critically damped button and the "GD at its optimal step" option
        drive(b, "heavy_ball", 1.0, 0.2, 100.0, (-1.0, 0.6))
        b.evaluate("document.getElementById('ex-critical').click()")
        beta = b.evaluate("momentumExplorer.state().beta")
        assert beta == pytest.approx((1 - math.sqrt(1.0 / 100.0)) ** 2, rel=1e-12)
        check_against_library(b, ("heavy_ball", 1.0, beta, 100.0, (-1.0, 0.6)), tol, horizon)
        set_control(b, "ex-gd-step", "optimal")
        gd = drawn(b)["gd"]
        assert gd["alpha"] == theory.gd_optimal(1.0, 100.0).alpha
        set_control(b, "ex-gd-step", "same")
        # a slider: the number field follows it and the run uses the value shown
        set_control(b, "ex-alpha-range", "0.5")
        shown = b.evaluate("document.getElementById('ex-alpha').value")
        assert float(shown) == round(10**0.5, 3)
        check_against_library(
            b, ("heavy_ball", float(shown), beta, 100.0, (-1.0, 0.6)), tol, horizon
        )
        assert b.evaluate("window.__errors") == []


@pytest.mark.browser
@pytest.mark.workflow
def test_dragging_the_start_point(chromium, report_html, study):
    cfg = study_config(study / QUICK)
    with Browser(chromium, width=1400, height=1000) as b:
        open_report(b, report_html)
        drive(b, "momentum", 3.0, 0.8, 10.0, (-1.0, 0.6))
        b.evaluate("document.getElementById('ex-path').scrollIntoView({block: 'center'})")
        x, y = center(b, "#ex-path .ex-handle")
        mouse(b, "mousePressed", x, y)
        mouse(b, "mouseMoved", x + 40, y + 25)
        mouse(b, "mouseMoved", x + 80, y + 50)
        mouse(b, "mouseReleased", x + 80, y + 50)
        st = b.evaluate("momentumExplorer.state()")
        assert st["x0"] > -1.0 and st["y0"] < 0.6, st  # moved right and down
        check_against_library(
            b, ("momentum", 3.0, 0.8, 10.0, (st["x0"], st["y0"])), float(cfg["tol"]),
            int(cfg["max_iter"]),
        )  # fmt: skip
        assert float(b.evaluate("document.getElementById('ex-x0').value")) == st["x0"]
        assert b.evaluate("window.__errors") == []


@pytest.mark.browser
@pytest.mark.workflow
def test_the_script_theory_equals_momentumlab_theory(chromium, report_html):
    """The formulas themselves, over a grid wider than the controls' defaults."""
    with Browser(chromium) as b:
        open_report(b, report_html)
        for name in METHODS:
            for kappa in (1.0, 3.0, 100.0, 1e4):
                opt = b.evaluate(f"momentumExplorer.lib.optimal({json.dumps(name)}, 1, {kappa})")
                t = theory.optimal(name, 1.0, kappa)
                for k in ("alpha", "beta", "rate"):
                    assert math.isclose(opt[k], getattr(t, k), rel_tol=RTOL, abs_tol=1e-300)
                for alpha_L in (0.01, 0.5, 1.9, 3.5, 40.0):
                    for beta in (0.0, 0.3, 0.9, 0.995):
                        a = alpha_L / kappa
                        js = b.evaluate(
                            f"""(() => {{ const L = momentumExplorer.lib;
                              const m = L.methods[{json.dumps(name)}];
                              return [L.spectralRadius(m, {a!r}, {beta!r}, [1, {kappa!r}]),
                                      L.maxStableAlpha(m, {beta!r}, {kappa!r})]; }})()"""
                        )
                        rho = float(theory.spectral_radius(name, a, beta, [1.0, kappa]))
                        assert math.isclose(js[0], rho, rel_tol=1e-11, abs_tol=1e-15), (
                            name, kappa, alpha_L, beta, js[0], rho,
                        )  # fmt: skip
                        amax = float(theory.max_stable_alpha(name, beta, kappa))
                        assert math.isclose(js[1], amax, rel_tol=RTOL)
        for rate in (0.0, 0.3, 0.999, 1.0, 1.5):
            js = b.evaluate(f"momentumExplorer.lib.predictedIterations({rate}, 1e-6)")
            py = theory.predicted_iterations(rate, 1e-6)
            assert (js is None and py == math.inf) or math.isclose(js, py, rel_tol=RTOL)


@pytest.mark.browser
@pytest.mark.workflow
def test_the_measured_marker_shows_the_nearest_cell(chromium, report_html, study):
    cells = [
        r
        for r in read_csv(study / "results" / "quick" / "tables" / "cells.csv")
        if r["objective"] == "quad2d" and r["method"] == "heavy_ball" and r["kappa"] == 100
    ]

    def cell(alpha_L, beta):
        return next(r for r in cells if math.isclose(r["alpha_L"], alpha_L) and r["beta"] == beta)

    row, right, top = cell(3.3, 0.8), cell(5, 0.8), cell(3.3, 0.9)

    def shown(b):
        return b.evaluate("Object.assign({}, document.getElementById('ex-cell').dataset)")

    def same(data, r):
        assert (
            math.isclose(float(data["alphaL"]), r["alpha_L"]) and float(data["beta"]) == r["beta"]
        )
        for key, col in (
            ("median", "median_iter"),
            ("lo", "median_ci_low"),
            ("hi", "median_ci_high"),
        ):
            v = r[col]
            assert (data[key] == "null") if v in (None, "") else float(data[key]) == v, (
                key,
                data,
                r,
            )

    with Browser(chromium, width=1400, height=1000) as b:
        open_report(b, report_html)
        drive(b, "heavy_ball", 3.2, 0.78, 120.0, (-1.0, 0.6))  # near (3.3, 0.8) at kappa 100
        data = shown(b)
        assert data["nearest"] == "true" and float(data["kappa"]) == 100
        same(data, row)
        text = b.evaluate("document.getElementById('ex-cell').textContent")
        assert f"median {int(row['median_iter'])} iterations" in text and "nearest κ is 100" in text
        b.evaluate("document.getElementById('ex-map').focus()")
        press(b, "ArrowRight", 39)
        same(shown(b), right)
        press(b, "Enter", 13)
        st = b.evaluate("momentumExplorer.state()")
        assert (st["alphaL"], st["beta"]) == (5.0, 0.8)  # Enter moved the controls there
        # hovering a cell reads it out too
        b.evaluate("document.getElementById('ex-map').blur()")
        b.evaluate("document.getElementById('ex-map').scrollIntoView({block: 'center'})")
        x, y = center(b, '#ex-map rect[data-a="2"][data-b="2"]')
        b.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})
        same(shown(b), top)
        assert shown(b)["nearest"] == "false"
        assert b.evaluate("window.__errors") == []


@pytest.mark.browser
@pytest.mark.workflow
def test_usable_at_420_px_with_labelled_controls(chromium, report_html):
    with Browser(chromium, width=420, height=900) as b:
        page = open_report(b, report_html)
        assert page.errors == []
        overflow = b.evaluate(
            "document.documentElement.scrollWidth > document.documentElement.clientWidth"
        )
        assert not overflow, "the page scrolls sideways at 420 px"
        widths = b.evaluate(
            """Array.from(document.querySelectorAll(
                 '#explorer svg, #explorer input, #explorer select'))
                 .filter(e => e.getBoundingClientRect().width > 30)
                 .map(e => e.getBoundingClientRect().right)"""
        )
        assert widths and max(widths) <= 420, widths
        unlabelled = b.evaluate(
            """Array.from(document.querySelectorAll('#explorer input, #explorer select'))
                 .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
                 .map(e => e.id)"""
        )
        assert unlabelled == []
        # every control is reachable with the keyboard (Tab order)
        ids = set()
        b.evaluate("document.getElementById('ex-method').focus()")
        for _ in range(20):
            ids.add(b.evaluate("document.activeElement.id"))
            press(b, "Tab", 9)
        assert {"ex-method", "ex-alpha", "ex-beta", "ex-kappa", "ex-x0", "ex-y0", "ex-optimal",
                "ex-critical"} <= ids, ids  # fmt: skip


@pytest.mark.browser
@pytest.mark.workflow
def test_without_scripts_the_static_figures_stand_in(chromium, report_html):
    with Browser(chromium) as b:
        b.send("Emulation.setScriptExecutionDisabled", {"value": True})
        b.open(report_html)
        # the protocol's evaluate still runs with the page's scripts off
        shown = b.evaluate("getComputedStyle(document.querySelector('#explorer .ex-app')).display")
        assert shown == "none"
        text = b.evaluate("document.getElementById('explorer').innerText")
        assert "Scripts are off" in text and "lecture" in text


@pytest.mark.browser
@pytest.mark.workflow
def test_a_drifted_update_rule_is_caught(chromium, report_html, study, tmp_path):
    """Control: the same checks on a report whose script has Nesterov's look-ahead wrong."""
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    js = templates / "explorer.js"
    text = js.read_text()
    wrong = text.replace("d1 = g1 + b * v1;", "d1 = g1 + b * b * v1;")
    assert wrong != text
    js.write_text(wrong)
    cfg = study_config(study / QUICK)
    out = build_report(
        tables_dir=study / "results" / "quick" / "tables", templates_dir=templates,
        out_html=tmp_path / "report" / "index.html", config=cfg,
    )  # fmt: skip
    case = ("nesterov", 1.2, 0.95, 50.0, (-0.3, 1.0))
    with Browser(chromium) as b:
        open_report(b, out)
        drive(b, *case)
        with pytest.raises(AssertionError, match="iterates"):
            check_against_library(b, case, float(cfg["tol"]), int(cfg["max_iter"]))
