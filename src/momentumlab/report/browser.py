"""Drive headless Chromium over the DevTools protocol with the standard library only.

Chromium's ``--remote-debugging-pipe`` speaks the protocol over file descriptors 3 (commands in)
and 4 (replies and events out), one JSON message per NUL-terminated frame, as Puppeteer's pipe
transport does. No websocket client, no Playwright: just ``os.pipe`` and ``select``.

Networking is shut off (a dead proxy and a host resolver that maps every name to nothing), so a
report that tried to fetch anything would show up as a failed request and a console error.

>>> with Browser() as b:                                     # doctest: +SKIP
...     page = b.open("results/default/report/index.html")
...     page.errors, page.timing["load_ms"]
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")

OFFLINE_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--mute-audio",
    "--proxy-server=127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


class BrowserError(RuntimeError):
    pass


def find_chromium() -> str | None:
    """Path of a Chromium executable, or None."""
    env = os.environ.get("CHROMIUM")
    for cand in ((env,) if env else ()) + CANDIDATES:
        path = shutil.which(cand) if not os.path.isabs(cand) else cand
        if path and os.path.exists(path) and os.access(path, os.X_OK):
            return path
    return None


def _high_fd(fd: int) -> int:
    """Move ``fd`` to a number >= 10 (close-on-exec), so dup2 onto 3 and 4 cannot clobber it."""
    new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return new


@dataclass
class PageReport:
    """What a page load produced."""

    url: str
    errors: list[str] = field(default_factory=list)  # console errors, exceptions, log errors
    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    failed: list[str] = field(default_factory=list)  # requests that failed
    timing: dict = field(default_factory=dict)  # navigation timing (ms) and wall time


class Browser:
    """A headless Chromium with one tab, controlled over the DevTools pipe."""

    def __init__(
        self,
        executable: str | None = None,
        *,
        width: int = 1280,
        height: int = 900,
        timeout: float = 60.0,
        extra_args: tuple[str, ...] = (),
    ):
        self.executable = executable or find_chromium()
        if not self.executable:
            raise BrowserError("no Chromium found (install Debian's 'chromium')")
        self.width, self.height, self.timeout = width, height, timeout
        self.extra_args = extra_args
        self._id = 0
        self._buf = b""
        self._events: list[dict] = []
        self.proc: subprocess.Popen | None = None
        self.session: str | None = None

    # ----------------------------------------------------------------- process and transport
    def __enter__(self) -> Browser:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        self._profile = tempfile.TemporaryDirectory(prefix="momentumlab-chromium-")
        to_child_r, to_child_w = (_high_fd(fd) for fd in os.pipe())
        from_child_r, from_child_w = (_high_fd(fd) for fd in os.pipe())

        def wire():  # in the child, before exec: its fd 3 reads commands, fd 4 writes replies
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        args = [
            self.executable,
            *OFFLINE_FLAGS,
            "--remote-debugging-pipe",
            f"--user-data-dir={self._profile.name}",
            f"--window-size={self.width},{self.height}",
            *self.extra_args,
            "about:blank",
        ]
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            preexec_fn=wire,  # noqa: PLW1509 (single-threaded callers)
            close_fds=False,  # our other fds are close-on-exec anyway (PEP 446)
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._w, self._r = to_child_w, from_child_r
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = self.send(
            "Target.attachToTarget",
            {"targetId": target["targetId"], "flatten": True},
            session=False,
        )
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False},
        )

    def close(self) -> None:
        if self.proc is None:
            return
        try:
            self.send("Browser.close", session=False, timeout=5)
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._w, self._r):
            try:
                os.close(fd)
            except OSError:
                pass
        self._stderr.close()
        self._profile.cleanup()
        self.proc = None

    def stderr_text(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("timed out waiting for Chromium")
            ready, _, _ = select.select([self._r], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._r, 1 << 20)
            if not chunk:
                raise BrowserError(
                    f"Chromium closed the pipe; stderr:\n{self.stderr_text()[-2000:]}"
                )
            self._buf += chunk
        frame, self._buf = self._buf.split(b"\0", 1)
        return json.loads(frame)

    def send(self, method: str, params: dict | None = None, *, session=True, timeout=None) -> dict:
        """Send one command and return its result; events that arrive meanwhile are kept."""
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        data = json.dumps(msg).encode() + b"\0"
        while data:
            data = data[os.write(self._w, data) :]
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._events.append(reply)

    def wait_event(self, name: str, timeout: float | None = None) -> dict:
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            for i, ev in enumerate(self._events):
                if ev.get("method") == name:
                    return self._events.pop(i)
            self._events.append(self._read_message(deadline))

    # ----------------------------------------------------------------------------- pages
    def evaluate(self, expression: str):
        res = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in res:
            raise BrowserError(f"evaluate failed: {res['exceptionDetails']}")
        return res["result"].get("value")

    def open(self, path: str | os.PathLike, settle: float = 0.3) -> PageReport:
        """Load a local file and report console errors, requests and navigation timing."""
        url = Path(path).resolve().as_uri()
        self._events.clear()
        t0 = time.perf_counter()
        nav = self.send("Page.navigate", {"url": url})
        if nav.get("errorText"):
            raise BrowserError(f"navigation to {url} failed: {nav['errorText']}")
        self.wait_event("Page.loadEventFired")
        wall = (time.perf_counter() - t0) * 1000.0
        time.sleep(settle)  # let late console messages arrive
        self.send("Runtime.evaluate", {"expression": "1"})
        timing = self.evaluate(
            """(() => {
                const n = performance.getEntriesByType('navigation')[0];
                return {dom_content_loaded_ms: n.domContentLoadedEventEnd, load_ms: n.loadEventEnd,
                        transfer_bytes: n.transferSize, decoded_bytes: n.decodedBodySize};
            })()"""
        )
        timing["wall_ms"] = wall
        report = PageReport(url=url, timing=timing)
        for ev in self._events:
            method, p = ev.get("method"), ev.get("params", {})
            if method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                text = " ".join(str(a.get("value", a.get("description", ""))) for a in p["args"])
                report.errors.append(f"console.{p['type']}: {text}")
            elif method == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                report.errors.append(f"exception: {d.get('exception', {}).get('description', d)}")
            elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                e = p["entry"]
                report.errors.append(f"log: {e.get('text')} {e.get('url', '')}".strip())
            elif method == "Network.requestWillBeSent":
                report.requests.append(p["request"]["url"])
            elif method == "Network.loadingFailed":
                report.failed.append(f"{p.get('errorText')} ({p.get('type')})")
        return report

    def images(self) -> list[dict]:
        """Every <img>: its alt text, natural size and whether it finished loading."""
        return self.evaluate(
            """Array.from(document.images).map(i => ({alt: i.alt, complete: i.complete,
                width: i.naturalWidth, height: i.naturalHeight,
                src: i.currentSrc.slice(0, 40)}))"""
        )

    def screenshot(self, path: str | os.PathLike, *, full_page: bool = True, max_height=16000):
        """Save a PNG of the page (the whole page, up to ``max_height`` CSS pixels)."""
        params: dict = {"format": "png"}
        if full_page:
            m = self.send("Page.getLayoutMetrics")
            size = m.get("cssContentSize") or m["contentSize"]
            h = min(int(size["height"]) + 1, max_height)
            params |= {
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": self.width, "height": h, "scale": 1},
            }
        data = self.send("Page.captureScreenshot", params)["data"]
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_bytes(base64.b64decode(data))
        return Path(path)
