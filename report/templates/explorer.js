/* momentumlab report explorer: no framework, no network. Data: report/explorer.py.
   The update rule is momentumlab.methods.trace driven by each method's flags; the theory
   formulas mirror momentumlab.theory; tests/test_explorer.py checks both in Chromium. */
(function () {
  "use strict";
  var t0 = performance.now();
  var root = document.getElementById("explorer");
  var dataEl = document.getElementById("explorer-data");
  if (!root || !dataEl) return;
  var DATA = JSON.parse(dataEl.textContent);
  var METHODS = {};
  DATA.methods.forEach(function (m) { METHODS[m.name] = m; });
  var TOL = DATA.tol, HORIZON = DATA.horizon, DIV = DATA.divergence_factor;
  var PATH_CAP = 5000; // iterates drawn on a path at most
  var SVGNS = "http://www.w3.org/2000/svg";

  // ------------------------------------------------------------------ the library's rules
  // objectives.quadratic(kappa, dim=2, spectrum="two_point"): f = 1/2 (w1^2 + kappa w2^2)
  function eigs(kappa) { return [1.0, kappa]; }

  // methods.trace(ema, nesterov) and methods._gd, as api.trajectory runs them: the iterates
  // w_0 .. w_steps (flat, 2 per iterate), NaN from the first non-finite iterate on.
  function simulate(m, alpha, beta, kappa, start, steps) {
    var out = new Float64Array(2 * (steps + 1)).fill(NaN);
    var w1 = start[0], w2 = start[1], v1 = 0.0, v2 = 0.0;
    var b = m.uses_beta ? beta : 0.0, e = eigs(kappa);
    out[0] = w1; out[1] = w2;
    for (var k = 1; k <= steps; k++) {
      var g1 = w1 * e[0], g2 = w2 * e[1], d1, d2;
      if (!m.uses_beta) { d1 = g1; d2 = g2; }
      else {
        v1 = b * v1; v2 = b * v2;
        if (m.ema) { v1 = v1 + (1.0 - b) * g1; v2 = v2 + (1.0 - b) * g2; }
        else { v1 = v1 + g1; v2 = v2 + g2; }
        if (m.nesterov) { d1 = g1 + b * v1; d2 = g2 + b * v2; } else { d1 = v1; d2 = v2; }
      }
      w1 = w1 + (-alpha) * d1; w2 = w2 + (-alpha) * d2;
      if (!(isFinite(w1) && isFinite(w2))) break;
      out[2 * k] = w1; out[2 * k + 1] = w2;
    }
    return out;
  }

  function gaps(ws, kappa) { // f(w) - f* = 1/2 (w1 (w1 e1) + w2 (w2 e2)), summed in order
    var n = ws.length / 2, e = eigs(kappa), out = new Float64Array(n);
    for (var k = 0; k < n; k++) {
      var w1 = ws[2 * k], w2 = ws[2 * k + 1];
      out[k] = 0.5 * (w1 * (w1 * e[0]) + w2 * (w2 * e[1]));
    }
    return out;
  }

  // Settling time: 1 + the last k with gap_k > tol gap_0 (0 when the start is the minimiser);
  // first passage: the first k with gap_k <= tol gap_0; diverged: the first k with a gap that
  // is not finite or above DIV gap_0. Over the simulated horizon only.
  function outcome(gs, tol, div) {
    var n = gs.length - 1, g0 = gs[0];
    if (!(g0 > 0)) return { status: "settled", settling: 0, firstHit: 0, divergedAt: null, horizon: n };
    var thr = tol * g0, lim = div * g0, first = null, last = -1;
    for (var k = 0; k <= n; k++) {
      var g = gs[k];
      if (!(g <= lim)) return { status: "diverged", settling: null, firstHit: first, divergedAt: k, horizon: n };
      if (g <= thr) { if (first === null) first = k; } else last = k;
    }
    if (last === n) return { status: "unsettled", settling: null, firstHit: first, divergedAt: null, horizon: n };
    return { status: "settled", settling: last + 1, firstHit: first, divergedAt: null, horizon: n };
  }

  // ------------------------------------------------------------------ momentumlab.theory
  function charPoly(m, alpha, beta, lam) { // z^2 + c1 z + c0
    var a = alpha * lam;
    if (m.ema) a = a * (1.0 - beta);
    if (!m.uses_beta) return [-(1.0 - a), 0.0];
    if (m.nesterov) return [-(1.0 + beta) * (1.0 - a), beta * (1.0 - a)];
    return [-(1.0 + beta - a), beta];
  }
  function rootModuli(m, alpha, beta, lam) {
    var c = charPoly(m, alpha, beta, lam), c1 = c[0], c0 = c[1], d = c1 * c1 - 4 * c0;
    if (d >= 0) {
      var s = Math.sqrt(d);
      return [Math.abs((-c1 + s) / 2), Math.abs((-c1 - s) / 2)];
    }
    var r = Math.hypot(-c1 / 2, Math.sqrt(-d) / 2);
    return [r, r];
  }
  function discriminant(m, alpha, beta, lam) {
    var c = charPoly(m, alpha, beta, lam);
    return c[0] * c[0] - 4 * c[1];
  }
  function spectralRadius(m, alpha, beta, lams) {
    var r = 0;
    lams.forEach(function (lam) {
      var z = rootModuli(m, alpha, beta, lam);
      r = Math.max(r, z[0], z[1]);
    });
    return r;
  }
  function maxStableAlpha(m, beta, L) {
    if (!m.uses_beta) return 2.0 / L;
    if (m.nesterov) return 2.0 * (1 + beta) / ((1 + 2 * beta) * L);
    if (m.ema) return 2.0 * (1 + beta) / ((1 - beta) * L);
    return 2.0 * (1 + beta) / L;
  }
  function predictedIterations(rate, tol) {
    if (rate <= 0) return 1.0;
    if (rate >= 1) return Infinity;
    return Math.log(tol) / (2.0 * Math.log(rate));
  }
  function optimal(name, mu, L) { // theory.optimal: {alpha, beta, rate}
    var k, sk, s, hb;
    if (name === "gd") { k = L / mu; return { alpha: 2.0 / (L + mu), beta: 0.0, rate: (k - 1) / (k + 1) }; }
    if (name === "heavy_ball" || name === "momentum") {
      sk = Math.sqrt(L / mu);
      var q = (sk - 1) / (sk + 1);
      var sq = Math.sqrt(L) + Math.sqrt(mu);
      hb = { alpha: 4.0 / (sq * sq), beta: q * q, rate: q };
      if (name === "heavy_ball") return hb;
      return { alpha: hb.beta < 1 ? hb.alpha / (1.0 - hb.beta) : Infinity, beta: hb.beta, rate: hb.rate };
    }
    if (name === "nesterov") {
      s = Math.sqrt(3 * L / mu + 1);
      return { alpha: 4.0 / (3 * L + mu), beta: (s - 2) / (s + 2), rate: 1 - 2 / s };
    }
    return null;
  }
  // The beta in [0, 1) that gives curvature lam (the flattest, mu) a double root at this
  // alpha: the fastest decay of that direction (modulus sqrt(beta) for heavy ball).
  function criticalBeta(m, alpha, lam) {
    var c = alpha * lam, b = null;
    if (!m.uses_beta) return null;
    if (m.nesterov) b = c < 1 ? (1 - Math.sqrt(c)) / (1 + Math.sqrt(c)) : null;
    else if (m.ema) b = ((1 - c) / (1 + c)) * ((1 - c) / (1 + c));
    else b = (1 - Math.sqrt(c)) * (1 - Math.sqrt(c));
    return b !== null && b >= 0 && b < 1 ? b : null;
  }

  // ------------------------------------------------------------------ formatting
  var SUP = { "-": "⁻", "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹" };
  function sup(n) { return String(n).split("").map(function (c) { return SUP[c] || c; }).join(""); }
  function num(v, digits) {
    if (v === null || v === undefined || isNaN(v)) return "—";
    if (!isFinite(v)) return v > 0 ? "∞" : "−∞";
    digits = digits || 3;
    var a = Math.abs(v);
    if (a !== 0 && (a >= 1e5 || a < 1e-3)) {
      var e = Math.floor(Math.log10(a)), mant = v / Math.pow(10, e);
      if (Math.abs(mant) >= 9.995) { mant /= 10; e += 1; }
      return mant.toFixed(Math.max(0, digits - 1)).replace(/\.?0+$/, "") + "×10" + sup(e);
    }
    return String(parseFloat(v.toPrecision(digits))).replace("-", "−");
  }
  function iters(v) {
    if (v === null || v === undefined || isNaN(v)) return "—";
    if (!isFinite(v)) return "∞";
    return String(Math.round(v)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }
  function decade(e) { return e === 0 ? "1" : "10" + sup(e); }

  // ------------------------------------------------------------------ DOM helpers
  function $(id) { return document.getElementById(id); }
  function svgEl(name, attrs, parent, text) {
    var e = document.createElementNS(SVGNS, name);
    for (var k in attrs) if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  // each panel's width, measured at the first draw and after a resize (a layout costs more
  // than the drawing on a long page)
  var widths = {}, widthsDirty = true;
  function measure() {
    if (!widthsDirty) return;
    widthsDirty = false;
    [ui.path, ui.pathGd, ui.loss, ui.map].forEach(function (svg) { widths[svg.id] = svg.parentNode.clientWidth; });
  }
  function sizeSvg(svg, ratio, lo, hi) {
    var w = Math.max(200, Math.floor(widths[svg.id] || 0));
    var h = Math.round(Math.min(hi, Math.max(lo, w * ratio)));
    svg.setAttribute("width", w); svg.setAttribute("height", h);
    svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    svg.textContent = "";
    return [w, h];
  }
  function clip(v) { return Math.max(-1e5, Math.min(1e5, v)); }

  var ui = {
    method: $("ex-method"), alpha: $("ex-alpha"), alphaR: $("ex-alpha-range"),
    beta: $("ex-beta"), betaR: $("ex-beta-range"), kappa: $("ex-kappa"), kappaR: $("ex-kappa-range"),
    x0: $("ex-x0"), y0: $("ex-y0"), gdStep: $("ex-gd-step"), optimal: $("ex-optimal"),
    critical: $("ex-critical"), summary: $("ex-summary"), path: $("ex-path"), pathGd: $("ex-path-gd"),
    pathCap: $("ex-path-cap"), gdCap: $("ex-gd-cap"), loss: $("ex-loss"), theory: $("ex-theory"),
    map: $("ex-map"), cell: $("ex-cell"), legend: $("ex-legend"), theoryNote: $("ex-theory-note")
  };

  // ------------------------------------------------------------------ state
  var d0 = DATA.defaults, m0 = METHODS[d0.method] ? d0.method : DATA.methods[0].name;
  var o0 = optimal(m0, 1.0, d0.kappa);
  var state = {
    method: m0, kappa: d0.kappa,
    alphaL: o0 ? o0.alpha * d0.kappa : 1.0, beta: o0 ? o0.beta : 0.0,
    x0: d0.start[0], y0: d0.start[1], gdStep: "same"
  };
  var view = { R: 1.25 }, dragging = false, inspect = null, model = null;
  var timing = { scriptStartMs: t0, firstPathMs: null, lastDrawMs: null };

  // The half-width of the path view in (w1, sqrt(kappa) w2): the start's box and the main
  // path's excursions (momentum overshoots), at most four times the start's box.
  function viewRadius() {
    var base = Math.max(1, Math.abs(state.x0), Math.abs(state.y0)), ext = base;
    var r = model.main, sk = Math.sqrt(r.kappa);
    for (var k = 0; k <= r.drawn; k++) {
      var a = r.ws[2 * k], b = r.ws[2 * k + 1] * sk;
      if (isNaN(a)) break;
      ext = Math.max(ext, Math.min(4 * base, Math.max(Math.abs(a), Math.abs(b))));
    }
    return 1.1 * ext;
  }

  function writeControls() {
    ui.method.value = state.method;
    ui.alpha.value = String(state.alphaL);
    ui.alphaR.value = String(Math.log10(state.alphaL));
    ui.beta.value = String(state.beta);
    ui.betaR.value = String(state.beta);
    ui.kappa.value = String(state.kappa);
    ui.kappaR.value = String(Math.log10(state.kappa));
    ui.x0.value = String(state.x0);
    ui.y0.value = String(state.y0);
    ui.gdStep.value = state.gdStep;
    var uses = METHODS[state.method].uses_beta;
    ui.beta.disabled = ui.betaR.disabled = !uses;
  }
  function round4(v) { return parseFloat(v.toPrecision(4)); }
  function readNumber(input, lo, hi, open) {
    var v = parseFloat(input.value);
    var ok = isFinite(v) && v >= lo && (open ? v < hi : v <= hi);
    input.setAttribute("aria-invalid", ok ? "false" : "true");
    return ok ? v : null;
  }

  // ------------------------------------------------------------------ the model
  function run(name, alphaL, beta, kappa, start) {
    var m = METHODS[name], L = kappa, alpha = alphaL / L;
    var ws = simulate(m, alpha, beta, kappa, start, HORIZON);
    var gs = gaps(ws, kappa), out = outcome(gs, TOL, DIV);
    var end = out.status === "settled" ? Math.max(out.settling, out.firstHit || 0) + 3
      : out.status === "diverged" ? out.divergedAt : HORIZON;
    out.drawn = Math.min(HORIZON, end, PATH_CAP);
    out.method = m; out.alpha = alpha; out.alphaL = alphaL; out.beta = m.uses_beta ? beta : 0;
    out.ws = ws; out.gaps = gs; out.kappa = kappa; out.start = start;
    out.rho = spectralRadius(m, alpha, out.beta, eigs(kappa));
    return out;
  }
  function gdAlphaL() {
    if (state.gdStep === "optimal") return optimal("gd", 1.0, state.kappa).alpha * state.kappa;
    return state.alphaL;
  }
  function compute() {
    var start = [state.x0, state.y0 / Math.sqrt(state.kappa)];
    model = {
      main: run(state.method, state.alphaL, state.beta, state.kappa, start),
      gd: run("gd", gdAlphaL(), 0.0, state.kappa, start)
    };
  }

  // ------------------------------------------------------------------ drawing: paths
  function outcomeWords(r) {
    if (r.status === "settled") return "settles in " + iters(r.settling) + " iterations" +
      (r.firstHit !== null && r.firstHit !== r.settling ? " (first below tol at " + iters(r.firstHit) + ")" : "");
    if (r.status === "diverged") return "diverges (by iteration " + iters(r.divergedAt) + " the gap is over " + num(DIV) + " times the start's)";
    return "has not settled within " + iters(HORIZON) + " iterations";
  }
  function drawPath(svg, r, handle) {
    var sz = sizeSvg(svg, 0.62, 190, 330), W = sz[0], H = sz[1], R = view.R, sk = Math.sqrt(r.kappa);
    var pad = 6, sx = (W - 2 * pad) / (2 * R), sy = (H - 2 * pad) / (2 * R);
    function X(w1) { return clip(W / 2 + w1 * sx); }
    function Y(w2) { return clip(H / 2 - w2 * sk * sy); }
    svgEl("rect", { x: 0, y: 0, width: W, height: H, "class": "ex-bg" }, svg);
    var g = svgEl("g", { "class": "ex-levels" }, svg);
    for (var j = 1; j <= 6; j++) {
      var rad = R * j / 5;
      svgEl("ellipse", { cx: W / 2, cy: H / 2, rx: rad * sx, ry: rad * sy }, g);
    }
    svgEl("line", { x1: 0, y1: H / 2, x2: W, y2: H / 2, "class": "ex-axis" }, svg);
    svgEl("line", { x1: W / 2, y1: 0, x2: W / 2, y2: H, "class": "ex-axis" }, svg);
    svgEl("text", { x: W - 4, y: H / 2 - 4, "class": "ex-lab", "text-anchor": "end" }, svg, "w₁");
    var stretch = sk * sy / sx;
    svgEl("text", { x: W / 2 + 4, y: 12, "class": "ex-lab" }, svg,
      "w₂" + (Math.abs(stretch - 1) > 0.01 ? " (drawn ×" + num(stretch, 2) + ")" : ""));
    // a diverging path is drawn until it leaves the view (then it only gets farther)
    var pts = [], lx = null, ly = null, n = r.drawn, leave = r.status === "diverged";
    for (var k = 0; k <= n; k++) {
      var a = r.ws[2 * k], b = r.ws[2 * k + 1];
      if (isNaN(a)) { n = k - 1; break; }
      var px = X(a), py = Y(b), outside = px < 0 || px > W || py < 0 || py > H;
      if (k === n || lx === null || outside || Math.abs(px - lx) + Math.abs(py - ly) >= 0.6) {
        pts.push(px.toFixed(2) + "," + py.toFixed(2)); lx = px; ly = py;
      }
      if (leave && outside) { n = k; break; }
    }
    r.drawnTo = n;
    svgEl("polyline", { points: pts.join(" "), "class": "ex-trace", stroke: r.method.color }, svg);
    var marks = svgEl("g", { fill: r.method.color }, svg), labelled = [];
    for (k = 1; k <= Math.min(n, 40); k++) {
      if (isNaN(r.ws[2 * k])) break;
      var cx = X(r.ws[2 * k]), cy = Y(r.ws[2 * k + 1]);
      if (cx < 0 || cx > W || cy < 0 || cy > H) continue;
      svgEl("circle", { cx: cx, cy: cy, r: k <= 10 ? 2.6 : 1.6 }, marks);
      if ([1, 2, 3, 5, 10, 20, 40].indexOf(k) >= 0 && labelled.every(function (p) { return Math.hypot(p[0] - cx, p[1] - cy) > 16; })) {
        labelled.push([cx, cy]);
        svgEl("text", { x: cx + 4, y: cy - 4, "class": "ex-k" }, svg, String(k));
      }
    }
    svgEl("text", { x: W / 2 + 5, y: H / 2 + 14, "class": "ex-lab" }, svg, "w*");
    svgEl("circle", { cx: W / 2, cy: H / 2, r: 2.5, "class": "ex-min" }, svg);
    svgEl("circle", { cx: X(r.start[0]), cy: Y(r.start[1]), r: 7, "class": "ex-handle" + (handle ? " ex-drag" : "") }, svg);
    svg._map = { W: W, H: H, sx: sx, sy: sy };
  }

  // ------------------------------------------------------------------ drawing: loss
  function niceStep(span, n) {
    var raw = span / n, p = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
  }
  function lossEnd(r) {
    var e = r.status === "settled" ? Math.max(r.settling, r.firstHit || 0) * 1.15
      : r.status === "diverged" ? r.divergedAt * 1.15 : HORIZON;
    e = Math.max(10, Math.ceil(e));
    var s = niceStep(e, 5);
    return Math.min(HORIZON, Math.ceil(e / s) * s);
  }
  function drawLoss() {
    var svg = ui.loss, sz = sizeSvg(svg, 0.42, 210, 300), W = sz[0], H = sz[1];
    var r = model.main, gd = model.gd, xmax = lossEnd(r);
    var ml = 44, mr = 10, mt = 10, mb = 30, pw = W - ml - mr, ph = H - mt - mb;
    var lo = Math.log10(TOL) - 2, hi = 0;
    for (var k = 0; k <= Math.min(xmax, r.gaps.length - 1); k++) { // GD may leave the top
      var v = r.gaps[k] / r.gaps[0];
      if (v > 0 && isFinite(v)) { var l = Math.log10(v); if (l < lo) lo = l; if (l > hi) hi = l; }
    }
    lo = Math.max(-30, Math.floor(lo)); hi = Math.min(Math.log10(DIV) + 1, Math.ceil(hi + 0.01));
    function X(k) { return ml + pw * k / xmax; }
    function Y(l) { return mt + ph * (hi - Math.max(lo, Math.min(hi, l))) / (hi - lo); }
    svgEl("rect", { x: ml, y: mt, width: pw, height: ph, "class": "ex-bg" }, svg);
    var dy = Math.max(1, Math.ceil((hi - lo) / 6)), axes = svgEl("g", { "class": "ex-ticks" }, svg);
    for (var e = Math.ceil(lo / dy) * dy; e <= hi; e += dy) {
      svgEl("line", { x1: ml, x2: ml + pw, y1: Y(e), y2: Y(e), "class": "ex-grid" }, axes);
      svgEl("text", { x: ml - 4, y: Y(e) + 4, "text-anchor": "end" }, axes, decade(e));
    }
    var dx = niceStep(xmax, W < 420 ? 3 : 6);
    for (var t = 0; t <= xmax + 1e-9; t += dx) {
      svgEl("line", { x1: X(t), x2: X(t), y1: mt + ph, y2: mt + ph + 4, "class": "ex-axis" }, axes);
      svgEl("text", { x: X(t), y: mt + ph + 16, "text-anchor": "middle" }, axes, iters(t));
    }
    svgEl("text", { x: ml + pw, y: H - 2, "text-anchor": "end", "class": "ex-lab" }, svg, "iteration k");
    // the tolerance and the theory envelope rho^(2k)
    svgEl("line", { x1: ml, x2: ml + pw, y1: Y(Math.log10(TOL)), y2: Y(Math.log10(TOL)), "class": "ex-tol" }, svg);
    svgEl("text", { x: ml + 4, y: Y(Math.log10(TOL)) - 4, "class": "ex-lab" }, svg, "tol " + num(TOL));
    if (r.rho > 0) {
      var l2 = 2 * xmax * Math.log10(r.rho);
      svgEl("line", { x1: X(0), y1: Y(0), x2: X(xmax), y2: Y(l2), "class": "ex-env", stroke: r.method.color,
        "clip-path": "url(#ex-loss-clip)" }, svg);
    }
    var cp = svgEl("clipPath", { id: "ex-loss-clip" }, svgEl("defs", {}, svg));
    svgEl("rect", { x: ml, y: mt, width: pw, height: ph }, cp);
    [gd, r].forEach(function (s, i) { curve(svg, s, xmax, X, Y, i === 0); });
    function vmark(k, cls, text, row) {
      if (k === null || k > xmax) return;
      svgEl("line", { x1: X(k), x2: X(k), y1: mt, y2: mt + ph, "class": cls, stroke: r.method.color }, svg);
      var right = X(k) > ml + pw * 0.62;
      svgEl("text", { x: X(k) + (right ? -4 : 4), y: mt + 12 + 13 * row, "class": "ex-lab",
        "text-anchor": right ? "end" : "start" }, svg, text);
    }
    if (r.firstHit !== null && r.firstHit !== r.settling) vmark(r.firstHit, "ex-first", "first below tol: " + iters(r.firstHit), 1);
    if (r.status === "settled") vmark(r.settling, "ex-settle", "settled: " + iters(r.settling), 0);
    if (r.status === "diverged") vmark(r.divergedAt, "ex-settle", "diverged: " + iters(r.divergedAt), 0);
    var items = [[r.method.label, r.method.color, null], ["GD at α·L = " + num(gd.alphaL, 4) +
      (gd.status === "settled" && gd.settling > xmax ? " (settles at " + iters(gd.settling) + ", off the axis)" : ""), gd.method.color, "4 3"],
      ["theory envelope ρ²ᵏ, ρ = " + num(r.rho, 4), r.method.color, "2 3"], ["tol", "#b3261e", "5 3"]];
    ui.legend.textContent = "";
    items.forEach(function (it) {
      var li = document.createElement("li"), key = svgEl("svg", { width: 24, height: 10, "aria-hidden": "true" });
      svgEl("line", { x1: 1, x2: 23, y1: 5, y2: 5, stroke: it[1], "stroke-width": 2, "stroke-dasharray": it[2] }, key);
      li.appendChild(key); li.appendChild(document.createTextNode(" " + it[0])); ui.legend.appendChild(li);
    });
  }
  function curve(svg, s, xmax, X, Y, isGd) {
    // per pixel column the min and max of log gap: exact shape, few points
    var pts = [], n = Math.min(xmax, s.gaps.length - 1), g0 = s.gaps[0], col = null, mn = 0, mx = 0;
    function flush() { if (col !== null) { pts.push(col.toFixed(1) + "," + Y(mx).toFixed(1)); if (mn !== mx) pts.push(col.toFixed(1) + "," + Y(mn).toFixed(1)); } }
    for (var k = 0; k <= n; k++) {
      var v = s.gaps[k] / g0;
      if (!(v > 0)) { if (v === 0) v = 1e-300; else break; }
      var l = isFinite(v) ? Math.log10(v) : 400, c = Math.round(X(k));
      if (c !== col) { flush(); col = c; mn = mx = l; } else { mn = Math.min(mn, l); mx = Math.max(mx, l); }
      if (!isFinite(v) || (s.divergedAt !== null && k >= s.divergedAt)) break;
    }
    flush();
    svgEl("polyline", { points: pts.join(" "), "class": "ex-curve", stroke: s.method.color,
      "stroke-dasharray": isGd ? "4 3" : null, "clip-path": "url(#ex-loss-clip)" }, svg);
  }

  // ------------------------------------------------------------------ theory readout
  function theoryRows() {
    var m = METHODS[state.method], r = model.main, L = state.kappa, mu = 1.0;
    var amax = maxStableAlpha(m, r.beta, L), opt = m.has_optimal ? optimal(m.name, mu, L) : null;
    var cb = criticalBeta(m, r.alpha, mu);
    var rows = [
      ["rho", "spectral radius ρ at (α, β)", r.rho, num(r.rho, 4) + (r.rho < 1 ? "" : " (≥ 1: no convergence)")],
      ["predicted", "predicted iterations log(tol)/(2 log ρ)", predictedIterations(r.rho, TOL), iters(predictedIterations(r.rho, TOL))],
      ["margin", "stability margin 1 − ρ", 1 - r.rho, num(1 - r.rho, 3)],
      ["max_alpha_L", "largest stable α·L" + (m.uses_beta ? " at this β" : ""), amax * L, num(amax * L, 4) + " (this step is " + num(100 * r.alpha / amax, 3) + "% of it)"]
    ];
    if (opt) {
      rows.push(["opt_alpha_L", "optimal α·L for κ = " + num(L, 4), opt.alpha * L, num(opt.alpha * L, 4)]);
      if (m.uses_beta) rows.push(["opt_beta", "optimal β", opt.beta, num(opt.beta, 4)]);
      rows.push(["opt_rate", "optimal rate", opt.rate, num(opt.rate, 4)]);
      rows.push(["opt_iterations", "predicted iterations at the optimum", predictedIterations(opt.rate, TOL), iters(predictedIterations(opt.rate, TOL))]);
    }
    if (m.uses_beta) rows.push(["critical_beta", "critically damped β at this α (flattest direction)", cb, cb === null ? "none at this step" : num(cb, 4)]);
    return { rows: rows, opt: opt, cb: cb };
  }
  function drawTheory() {
    var t = theoryRows();
    ui.theory.textContent = "";
    t.rows.forEach(function (row) {
      var div = document.createElement("div"), dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = row[1]; dd.textContent = row[3];
      dd.setAttribute("data-key", row[0]); dd.setAttribute("data-value", String(row[2]));
      div.appendChild(dt); div.appendChild(dd); ui.theory.appendChild(div);
    });
    var m = METHODS[state.method], r = model.main, dbl = eigs(state.kappa).filter(function (lam) {
      var c = charPoly(m, r.alpha, r.beta, lam);
      return m.uses_beta && Math.abs(discriminant(m, r.alpha, r.beta, lam)) <= 1e-6 * c[0] * c[0];
    });
    ui.theoryNote.textContent = dbl.length ? "A double root (critical damping) at curvature " +
      dbl.map(function (l) { return num(l, 4); }).join(" and ") + ": there the error decays like k ρᵏ, " +
      "not ρᵏ, so a run needs more iterations than the prediction." : "";
    ui.optimal.disabled = !t.opt;
    ui.critical.disabled = t.cb === null;
  }

  // ------------------------------------------------------------------ measured map
  var PALETTE = [[253, 231, 37], [94, 201, 98], [33, 145, 140], [59, 82, 139], [68, 1, 84]];
  function shade(t) {
    t = Math.max(0, Math.min(1, t)) * (PALETTE.length - 1);
    var i = Math.min(PALETTE.length - 2, Math.floor(t)), f = t - i, a = PALETTE[i], b = PALETTE[i + 1];
    return "rgb(" + [0, 1, 2].map(function (j) { return Math.round(a[j] + f * (b[j] - a[j])); }).join(",") + ")";
  }
  function position(values, v, log) { // fractional index of v among sorted grid values
    var f = log ? Math.log : function (x) { return x; }, n = values.length;
    if (n === 1) return 0;
    if (v <= values[0]) return 0;
    if (v >= values[n - 1]) return n - 1;
    for (var i = 0; i < n - 1; i++) {
      if (v <= values[i + 1]) return i + (f(v) - f(values[i])) / (f(values[i + 1]) - f(values[i]));
    }
    return n - 1;
  }
  function currentMap() {
    var st = DATA.study;
    if (!st) return { note: "The study has no 2-D two-point quadratic, so there is nothing measured to compare with." };
    var k = st.kappas.reduce(function (best, x) { return Math.abs(Math.log(x / state.kappa)) < Math.abs(Math.log(best / state.kappa)) ? x : best; });
    var mp = st.maps.filter(function (g) { return g.kappa === k && g.method === state.method; })[0];
    if (!mp) return { kappa: k, note: "The study did not run " + METHODS[state.method].label + " on " + st.objective + " at κ = " + num(k, 4) + "." };
    var ia = position(mp.alpha_L, state.alphaL, true), ib = METHODS[state.method].uses_beta ? position(mp.beta, state.beta, false) : 0;
    return { kappa: k, map: mp, ia: ia, ib: ib, near: [Math.round(ia), Math.round(ib)] };
  }
  function drawMap() {
    var cur = currentMap(), svg = ui.map;
    if (!cur.map) {
      svg.setAttribute("width", 0); svg.setAttribute("height", 0); svg.textContent = "";
      ui.cell.textContent = cur.note; ui.cell.removeAttribute("data-median");
      return;
    }
    var mp = cur.map, na = mp.alpha_L.length, nb = mp.beta.length;
    var sz = sizeSvg(svg, nb === 1 ? 0.22 : 0.62, 90, 300), W = sz[0], H = sz[1];
    var ml = 40, mr = 8, mt = 8, mb = 50, cw = (W - ml - mr) / na, ch = (H - mt - mb) / nb;
    var meds = mp.median.filter(function (v) { return v !== null && v > 0; }).map(Math.log);
    var lmin = meds.length ? Math.min.apply(null, meds) : 0, lmax = meds.length ? Math.max.apply(null, meds) : 1;
    if (inspect && (inspect.map !== mp)) inspect = null;
    var sel = inspect ? inspect.cell : cur.near;
    for (var b = 0; b < nb; b++) for (var a = 0; a < na; a++) {
      var i = b * na + a, v = mp.median[i];
      var rect = svgEl("rect", { x: ml + a * cw, y: mt + (nb - 1 - b) * ch, width: cw + 0.5, height: ch + 0.5,
        fill: v === null ? "#e3e6ea" : shade((Math.log(Math.max(v, 1)) - lmin) / Math.max(1e-9, lmax - lmin)),
        "class": "ex-cellrect", "data-a": a, "data-b": b }, svg);
      svgEl("title", {}, rect, cellText(cur, mp, a, b));
      if (v === null) svgEl("text", { x: ml + (a + 0.5) * cw, y: mt + (nb - 0.5 - b) * ch + 4, "text-anchor": "middle", "class": "ex-na" }, svg, "×");
    }
    svgEl("rect", { x: ml + sel[0] * cw, y: mt + (nb - 1 - sel[1]) * ch, width: cw, height: ch, "class": "ex-sel" }, svg);
    svgEl("circle", { cx: ml + (cur.ia + 0.5) * cw, cy: mt + (nb - 0.5 - cur.ib) * ch, r: Math.max(5, Math.min(cw, ch) * 0.32), "class": "ex-marker" }, svg);
    var every = Math.max(1, Math.ceil(na * 34 / (W - ml - mr)));
    mp.alpha_L.forEach(function (x, a) {
      if (a % every === 0) svgEl("text", { x: ml + (a + 0.5) * cw, y: H - mb + 14, "text-anchor": "middle", "class": "ex-tick" }, svg, num(x, 3));
    });
    svgEl("text", { x: ml + (W - ml - mr) / 2, y: H - mb + 29, "text-anchor": "middle", "class": "ex-lab" }, svg, "α·L (the study's grid)");
    var everyB = Math.max(1, Math.ceil(nb * 14 / (H - mt - mb)));
    if (METHODS[state.method].uses_beta) mp.beta.forEach(function (x, b) {
      if (b % everyB === 0) svgEl("text", { x: ml - 4, y: mt + (nb - 0.5 - b) * ch + 4, "text-anchor": "end", "class": "ex-tick" }, svg, num(x, 3));
    });
    svgEl("text", { x: 2, y: mt + 10, "class": "ex-lab" }, svg, METHODS[state.method].uses_beta ? "β" : "");
    var kx = ml, ky = H - 3, key = svgEl("g", { "class": "ex-tick" }, svg);
    if (meds.length) {
      for (var q = 0; q < 10; q++) svgEl("rect", { x: kx + 36 + q * 7, y: ky - 8, width: 7, height: 8, fill: shade(q / 9) }, key);
      svgEl("text", { x: kx + 32, y: ky, "text-anchor": "end" }, key, iters(Math.exp(lmin)));
      svgEl("text", { x: kx + 110, y: ky }, key, iters(Math.exp(lmax)) + " iterations");
    }
    svg._grid = { mp: mp, ml: ml, mt: mt, cw: cw, ch: ch, na: na, nb: nb, cur: cur };
    showCell(cur, mp, sel[0], sel[1], !inspect);
  }
  function cellText(cur, mp, a, b) {
    var i = b * mp.alpha_L.length + a, m = METHODS[mp.method];
    var where = m.label + " at α·L = " + num(mp.alpha_L[a], 4) + (m.uses_beta ? ", β = " + num(mp.beta[b], 4) : "") + ", κ = " + num(mp.kappa, 4);
    var runs = mp.runs[i] === null ? "" : " (" + mp.converged[i] + " of " + mp.runs[i] + " starts converged)";
    if (mp.median[i] === null) return where + ": median beyond the budget (×)" + runs;
    return where + ": median " + iters(mp.median[i]) + " iterations, " + DATA.level + " interval [" + iters(mp.lo[i]) + ", " + iters(mp.hi[i]) + "]" + runs;
  }
  function showCell(cur, mp, a, b, isNearest) {
    var i = b * mp.alpha_L.length + a, c = ui.cell;
    var pre = isNearest ? "Nearest measured cell" + (cur.kappa !== state.kappa ? " (the study's nearest κ is " + num(cur.kappa, 4) + ")" : "") + ": " : "Cell: ";
    c.textContent = pre + cellText(cur, mp, a, b) + ".";
    var attrs = { "data-kappa": mp.kappa, "data-method": mp.method, "data-alpha-l": mp.alpha_L[a], "data-beta": mp.beta[b],
      "data-median": mp.median[i], "data-lo": mp.lo[i], "data-hi": mp.hi[i], "data-nearest": isNearest ? "true" : "false" };
    for (var k in attrs) c.setAttribute(k, String(attrs[k]));
  }
  function mapCellAt(ev) {
    var g = ui.map._grid; if (!g) return null;
    var box = ui.map.getBoundingClientRect();
    var a = Math.floor((ev.clientX - box.left - g.ml) / g.cw), b = g.nb - 1 - Math.floor((ev.clientY - box.top - g.mt) / g.ch);
    return a >= 0 && a < g.na && b >= 0 && b < g.nb ? [a, b] : null;
  }
  function setInspect(cell) {
    var g = ui.map._grid; if (!g) return;
    inspect = cell ? { map: g.mp, cell: cell } : null;
    drawMap();
  }
  function jumpTo(cell) {
    var g = ui.map._grid; if (!g) return;
    state.alphaL = g.mp.alpha_L[cell[0]];
    if (METHODS[state.method].uses_beta) state.beta = g.mp.beta[cell[1]];
    inspect = null; writeControls(); redraw();
  }

  function leaves(r) {
    return r.status === "diverged" && r.drawnTo < r.drawn ? "; the path leaves the view at iteration " + iters(r.drawnTo) : "";
  }

  // ------------------------------------------------------------------ redraw
  function redraw() {
    var t = performance.now();
    compute();
    measure();
    var r = model.main, gd = model.gd;
    if (!dragging) view.R = viewRadius();
    drawPath(ui.path, r, true);
    drawPath(ui.pathGd, gd, true);
    if (timing.firstPathMs === null) timing.firstPathMs = performance.now();
    ui.pathCap.textContent = r.method.label + " at α·L = " + num(r.alphaL, 4) + (r.method.uses_beta ? ", β = " + num(r.beta, 4) : "") +
      ": " + outcomeWords(r) + leaves(r) + (r.status !== "diverged" && r.drawn < Math.min(HORIZON, r.settling || HORIZON) ? "; first " + iters(r.drawn) + " iterations drawn" : "") + ".";
    ui.gdCap.textContent = "GD at α·L = " + num(gd.alphaL, 4) + ": " + outcomeWords(gd) + leaves(gd) + ".";
    drawLoss();
    drawTheory();
    drawMap();
    var words = r.method.label + " " + outcomeWords(r) + "; GD at α·L = " + num(gd.alphaL, 4) + " " + outcomeWords(gd) + ".";
    if (r.status === "settled" && gd.status === "settled" && r.settling > 0) words += " Ratio: " + num(gd.settling / r.settling, 3) + "× fewer iterations than GD.";
    ui.summary.textContent = words;
    root.setAttribute("data-status", r.status);
    ui.alphaR.setAttribute("aria-valuetext", "α·L = " + num(state.alphaL, 4)); // the sliders are log10
    ui.kappaR.setAttribute("aria-valuetext", "κ = " + num(state.kappa, 4));
    ui.betaR.setAttribute("aria-valuetext", "β = " + num(state.beta, 4));
    timing.lastDrawMs = performance.now() - t;
  }

  function onInput(ev) {
    var t = ev.target;
    if (t === ui.method) {
      state.method = ui.method.value;
      ui.beta.disabled = ui.betaR.disabled = !METHODS[state.method].uses_beta;
    } else if (t === ui.alphaR) { state.alphaL = round4(Math.pow(10, parseFloat(ui.alphaR.value))); ui.alpha.value = String(state.alphaL); }
    else if (t === ui.betaR) { state.beta = parseFloat(ui.betaR.value); ui.beta.value = String(state.beta); }
    else if (t === ui.kappaR) { state.kappa = round4(Math.pow(10, parseFloat(ui.kappaR.value))); ui.kappa.value = String(state.kappa); }
    else if (t === ui.alpha) { var a = readNumber(ui.alpha, 1e-12, 1e12); if (a === null || a <= 0) return; state.alphaL = a; ui.alphaR.value = String(Math.log10(a)); }
    else if (t === ui.beta) { var b = readNumber(ui.beta, 0, 1, true); if (b === null) return; state.beta = b; ui.betaR.value = String(b); }
    else if (t === ui.kappa) { var k = readNumber(ui.kappa, 1, 1e12); if (k === null) return; state.kappa = k; ui.kappaR.value = String(Math.log10(k)); }
    else if (t === ui.x0) { var x = readNumber(ui.x0, -1e6, 1e6); if (x === null) return; state.x0 = x; }
    else if (t === ui.y0) { var y = readNumber(ui.y0, -1e6, 1e6); if (y === null) return; state.y0 = y; }
    else if (t === ui.gdStep) { state.gdStep = ui.gdStep.value; }
    else return;
    redraw();
  }
  var form = $("ex-controls");
  form.addEventListener("input", onInput);
  form.addEventListener("change", onInput);
  form.addEventListener("submit", function (ev) { ev.preventDefault(); });
  ui.optimal.addEventListener("click", function () {
    var o = optimal(state.method, 1.0, state.kappa);
    if (!o) return;
    state.alphaL = o.alpha * state.kappa;
    if (METHODS[state.method].uses_beta) state.beta = o.beta;
    writeControls(); redraw();
  });
  ui.critical.addEventListener("click", function () {
    var b = criticalBeta(METHODS[state.method], state.alphaL / state.kappa, 1.0);
    if (b === null) return;
    state.beta = b; writeControls(); redraw();
  });

  // dragging the start point (either path panel); a click moves it there
  function toStart(svg, ev) {
    var mp = svg._map, box = svg.getBoundingClientRect(), R = view.R;
    var u1 = (ev.clientX - box.left - mp.W / 2) / mp.sx, u2 = -(ev.clientY - box.top - mp.H / 2) / mp.sy;
    state.x0 = parseFloat(Math.max(-R, Math.min(R, u1)).toFixed(3));
    state.y0 = parseFloat(Math.max(-R, Math.min(R, u2)).toFixed(3));
    ui.x0.value = String(state.x0); ui.y0.value = String(state.y0);
    redraw();
  }
  [ui.path, ui.pathGd].forEach(function (svg) {
    var down = null;
    svg.addEventListener("pointerdown", function (ev) {
      down = [ev.clientX, ev.clientY];
      if (ev.target.classList && ev.target.classList.contains("ex-drag")) {
        dragging = true; svg.setPointerCapture(ev.pointerId); ev.preventDefault();
      }
    });
    svg.addEventListener("pointermove", function (ev) { if (dragging) toStart(svg, ev); });
    svg.addEventListener("pointerup", function (ev) {
      if (!dragging && down && Math.hypot(ev.clientX - down[0], ev.clientY - down[1]) < 5) toStart(svg, ev);
      if (dragging) { dragging = false; redraw(); }
      down = null;
    });
    svg.addEventListener("pointercancel", function () { dragging = false; down = null; });
  });

  // the measured map: hover, focus and arrow keys inspect a cell; Enter or a click jumps to it
  ui.map.addEventListener("mousemove", function (ev) {
    var c = mapCellAt(ev);
    if (c && (!inspect || c[0] !== inspect.cell[0] || c[1] !== inspect.cell[1])) setInspect(c);
  });
  ui.map.addEventListener("mouseleave", function () { if (document.activeElement !== ui.map) setInspect(null); });
  ui.map.addEventListener("click", function (ev) { var c = mapCellAt(ev); if (c) jumpTo(c); });
  ui.map.addEventListener("focus", function () { var g = ui.map._grid; if (g) setInspect(g.cur.near); });
  ui.map.addEventListener("blur", function () { setInspect(null); });
  ui.map.addEventListener("keydown", function (ev) {
    var g = ui.map._grid; if (!g) return;
    var c = inspect ? inspect.cell.slice() : g.cur.near.slice();
    var moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
    if (moves[ev.key]) {
      c[0] = Math.max(0, Math.min(g.na - 1, c[0] + moves[ev.key][0]));
      c[1] = Math.max(0, Math.min(g.nb - 1, c[1] + moves[ev.key][1]));
      setInspect(c); ev.preventDefault();
    } else if (ev.key === "Enter" || ev.key === " ") { jumpTo(c); ev.preventDefault(); }
    else if (ev.key === "Escape") { setInspect(null); }
  });

  var pending = false;
  if (window.ResizeObserver) {
    var lastW = null;
    new ResizeObserver(function () {
      var w = root.clientWidth;
      if (w === lastW || pending) return;
      lastW = w; pending = true; widthsDirty = true;
      requestAnimationFrame(function () { pending = false; redraw(); });
    }).observe(root);
  }

  root.querySelector(".ex-app").hidden = false;
  writeControls();
  redraw();

  // for tests and the benchmark: the drawn iterates and what the readout shows
  function drawnRun(r) {
    var it = [];
    for (var k = 0; k <= r.drawnTo; k++) it.push([r.ws[2 * k], r.ws[2 * k + 1]]);
    return { method: r.method.name, alpha: r.alpha, alphaL: r.alphaL, beta: r.beta, kappa: r.kappa,
      start: r.start, iterates: it, status: r.status, settling: r.settling, firstHit: r.firstHit,
      divergedAt: r.divergedAt, horizon: r.horizon, rho: r.rho };
  }
  window.momentumExplorer = {
    lib: { simulate: simulate, gaps: gaps, outcome: outcome, spectralRadius: spectralRadius,
      maxStableAlpha: maxStableAlpha, predictedIterations: predictedIterations, optimal: optimal,
      criticalBeta: criticalBeta, discriminant: discriminant, methods: METHODS },
    state: function () { return JSON.parse(JSON.stringify(state)); },
    drawn: function () { return { main: drawnRun(model.main), gd: drawnRun(model.gd) }; },
    timing: timing
  };
})();
