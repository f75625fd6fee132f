"""Send a pipeline job's prints, warnings and errors to its log file."""

from __future__ import annotations

import logging
import sys
import warnings


def to_log(path: str) -> None:
    """Redirect stdout, stderr, ``logging`` and ``warnings`` of this process to ``path``."""
    fh = open(path, "w", buffering=1)  # noqa: SIM115 - open for the job's lifetime
    sys.stdout = sys.stderr = fh
    logging.basicConfig(
        stream=fh, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", force=True
    )
    logging.captureWarnings(True)
    warnings.simplefilter("default")
