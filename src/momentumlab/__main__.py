"""``python -m momentumlab``: studies from the command line (see docs/studies.md).

    python -m momentumlab compare A B [--out DIR] [--fail-on-change]
    python -m momentumlab export STUDY [--out FILE.tar.gz]
    python -m momentumlab index                 # rewrite results/index.html
    python -m momentumlab where [CONFIGFILE...] # the report path of a config's study

A and B (and STUDY) are study names under ``results/``, study folders, or exported archives.
"""

from __future__ import annotations

import argparse
import sys
import tempfile

from .naming import INDEX_HTML, RESULTS_DIR


def _compare(args) -> int:
    from .compare import FLAGGED, compare, default_out, write_comparison

    with tempfile.TemporaryDirectory(prefix="momentumlab-compare-") as scratch:
        sa, sb, config, rows = compare(args.a, args.b, args.results, scratch=scratch)
        out = args.out or default_out(sa, sb, args.results)
        counts = write_comparison(sa, sb, config, rows, out)
    flagged = sum(counts.get(c, 0) for c in FLAGGED)
    print(
        f"{sa.name} vs {sb.name}: {len(config)} config differences; {flagged} cells flagged "
        f"(changed beyond their interval), {counts.get('within', 0)} within, "
        f"{counts.get('same', 0)} the same, {counts.get('only in A', 0)} only in A, "
        f"{counts.get('only in B', 0)} only in B"
    )
    print(f"Comparison: {out}/index.html\nDiff table: {out}/diff.csv")
    return 1 if args.fail_on_change and flagged else 0


def _export(args) -> int:
    from .studies import export

    print(f"Archive: {export(args.study, args.out, args.results)}")
    return 0


def _index(args) -> int:
    from .studies import manifest_paths, write_index

    n = write_index(manifest_paths(args.results), f"{args.results}/index.html")
    print(f"Index: {args.results}/index.html ({n} studies)")
    return 0


def _where(args) -> int:
    from .studies import report_path

    print(report_path(args.configfiles))
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m momentumlab", description=__doc__.split("\n")[0])
    ap.add_argument("--results", default=RESULTS_DIR, help="the results folder (default: results)")
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("compare", help="compare two studies: an HTML page and diff.csv")
    c.add_argument("a", help="study A: a name under results/, a study folder or an archive")
    c.add_argument("b", help="study B: the same kinds")
    c.add_argument("--out", help="output folder (default: results/compare/<A>-vs-<B>)")
    c.add_argument("--fail-on-change", action="store_true", help="exit 1 if a cell is flagged")
    e = sub.add_parser("export", help="pack a study into one .tar.gz")
    e.add_argument("study", help="a study name under results/ or a study folder")
    e.add_argument("--out", help="the archive (default: results/<study>.tar.gz)")
    sub.add_parser("index", help=f"rewrite {INDEX_HTML} from the studies' manifests")
    w = sub.add_parser("where", help="print where a config's study writes its report")
    w.add_argument("configfiles", nargs="*", help="config files (default: config/config.yaml)")
    args = ap.parse_args(argv)
    from .errors import ConfigError
    from .studies import StudyError

    handler = {"compare": _compare, "export": _export, "index": _index, "where": _where}
    try:
        return handler[args.command](args)
    except (StudyError, ConfigError) as exc:
        print(f"momentumlab {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
