"""The README's Python example runs as written, and its claims about it hold."""

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "the README has no Python example"
    out = io.StringIO()
    namespace: dict = {}
    with contextlib.redirect_stdout(out):
        for block in blocks:
            exec(compile(block, str(README), "exec"), namespace)  # noqa: S102
    assert "converged 346" in out.getvalue()
    assert namespace["path"].shape == (101, 2)
    assert len(namespace["recs"]) == 3 * 2 * 10
