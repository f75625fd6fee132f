"""The study's HTML report: one self-contained file rendered by jinja2 from the aggregated tables.

:func:`build_report` is the entry point; :mod:`.figures` draws (matplotlib, Agg), :mod:`.render`
assembles, :mod:`.provenance` records where the numbers came from, and :mod:`.browser` drives
headless Chromium for the browser test and the render-time benchmark.
"""

from .render import build_context, build_report, make_env, render

__all__ = ["build_context", "build_report", "make_env", "render"]
