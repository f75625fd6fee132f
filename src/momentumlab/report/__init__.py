"""The study's HTML report: one self-contained file rendered by jinja2 from the aggregated tables.

:func:`build_report` is the entry point; :mod:`.figures` draws (matplotlib, Agg), :mod:`.render`
assembles, :mod:`.provenance` records where the numbers came from, and :mod:`.browser` drives
headless Chromium for the browser test and the render-time benchmark.
"""

__all__ = ["build_context", "build_report", "make_env"]


def __getattr__(name: str):
    """The renderer (jinja2, matplotlib) loads on first use (PEP 562), so that importing a light
    part of the package (``report.jobs`` in the workflow's rule files) stays cheap: every
    Snakemake start-up, including the two of each cluster job, imports it."""
    if name in __all__:
        from . import render

        return getattr(render, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
