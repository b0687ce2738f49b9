"""A real browser for the tests: headless Chromium driven over the DevTools protocol.

No library is needed: Chromium's ``--remote-debugging-pipe`` reads protocol commands (JSON, each
ended by a NUL byte) on its descriptor 3 and writes replies and events on descriptor 4. ``Browser``
opens a page from disk at a given width and reports what a test checks: every request that left
for the network, console errors and uncaught exceptions (a Content-Security-Policy violation is
one), what a script evaluates to in the page, whether anything sticks out sideways, and a
screenshot of the whole page.

Which browser: ``$CHROMIUM``, else ``chromium``, ``chromium-browser``, ``google-chrome`` on the
PATH (Debian: ``apt-get install chromium``; ``.ci/run`` installs it).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome")

# Elements whose right edge passes the viewport, other than inside a box that scrolls or clips
# them: what a reader would have to scroll the page sideways for.
OVERFLOW = """(() => {
  const width = document.documentElement.clientWidth;
  const contained = (element) => {
    for (let box = element.parentElement; box && box !== document.body; box = box.parentElement)
      if (getComputedStyle(box).overflowX !== "visible") return true;
    return false;
  };
  const out = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    const spills = element.scrollWidth > element.clientWidth + 1 && element.clientWidth
      && getComputedStyle(element).overflowX === "visible";  // text wider than its box
    if (box.width && (box.right > width + 1 || spills) && !contained(element))
      out.push(element.tagName + ": " + (element.textContent || "").slice(0, 60));
  }
  const page = document.documentElement.scrollWidth;
  if (page > width) out.push("page: " + page);
  return out;
})()"""


def executable() -> str | None:
    """The Chromium to use, or None where there is none."""
    return os.environ.get("CHROMIUM") or next(filter(None, map(shutil.which, NAMES)), None)


@dataclass
class Visit:
    """What happened while a page was open."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def network(self) -> list[str]:
        """Requests for anything but the page's own file and data: URIs."""
        return [url for url in self.requests if not url.startswith(("file:", "data:"))]


class Browser:
    """One headless Chromium; ``open`` a page, then ``evaluate`` and ``screenshot`` it."""

    def __init__(self, path: str | None = None, *, timeout: float = 60.0) -> None:
        self.timeout = timeout
        # Chromium's helper processes may still be writing to the profile when it is removed.
        self.profile = tempfile.TemporaryDirectory(prefix="chromium-", ignore_cleanup_errors=True)
        to_browser, self._commands = os.pipe()
        self._replies, from_browser = os.pipe()
        flags = [
            "--headless",
            "--remote-debugging-pipe",
            f"--user-data-dir={self.profile.name}",
            "--no-first-run",
            "--disable-gpu",
            "--hide-scrollbars",
            "--disable-dev-shm-usage",
            *(["--no-sandbox"] if os.geteuid() == 0 else []),  # Chromium refuses root otherwise
            "about:blank",
        ]
        # bash, not sh: descriptors past 9 (a busy process has them) are a syntax error in dash.
        shell = f'exec "$@" 3<&{to_browser} 4>&{from_browser}'
        self.process = subprocess.Popen(
            ["bash", "-c", shell, "bash", path or executable(), *flags],
            pass_fds=(to_browser, from_browser),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: ``close`` kills every helper too
        )
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._next = 0
        self._events: list[dict] = []
        self.session = None
        self.visit = Visit()

    def close(self) -> None:
        """Kill the browser and every process it started (renderers, the zygote), then remove
        its profile: a helper left running would write to it while it is removed."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        os.close(self._commands)
        os.close(self._replies)
        self.profile.cleanup()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the protocol --------------------------------------------------------------------------

    def send(self, method: str, params: dict | None = None, *, session: bool = True) -> dict:
        """Run one command and return its result (raise on an error)."""
        self._next += 1
        message = {"id": self._next, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._note(reply)

    def wait_for(self, method: str) -> dict:
        while True:
            event = self._receive()
            self._note(event)
            if event.get("method") == method:
                return event

    def _receive(self) -> dict:
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._replies], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self._replies, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium exited")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def _note(self, event: dict) -> None:
        method, params = event.get("method"), event.get("params", {})
        if method == "Network.requestWillBeSent":
            self.visit.requests.append(params["request"]["url"])
        elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            self.visit.errors.append(" ".join(str(a.get("value")) for a in params["args"]))
        elif method == "Runtime.exceptionThrown":
            self.visit.errors.append(json.dumps(params["exceptionDetails"])[:500])
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            self.visit.errors.append(params["entry"]["text"])

    # -- pages ---------------------------------------------------------------------------------

    def open(self, path: Path, *, width: int, height: int = 900) -> Visit:
        """Load ``path`` in a fresh tab, ``width`` CSS pixels wide; what happened meanwhile."""
        if self.session:
            self.send("Target.closeTarget", {"targetId": self.target}, session=False)
        self.target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)[
            "targetId"
        ]
        self.session = self.send(
            "Target.attachToTarget", {"targetId": self.target, "flatten": True}, session=False
        )["sessionId"]
        self.visit = Visit()
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.send(f"{domain}.enable")
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
        self.send("Emulation.setDeviceMetricsOverride", metrics)
        self.send("Page.navigate", {"url": Path(path).resolve().as_uri()})
        self.wait_for("Page.loadEventFired")
        self.evaluate("new Promise((done) => requestAnimationFrame(() => done(0)))")
        return self.visit

    def evaluate(self, expression: str):
        """The value of ``expression`` in the page (promises awaited)."""
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            raise RuntimeError(json.dumps(result["exceptionDetails"])[:500])
        return result["result"].get("value")

    def overflowing(self) -> list[str]:
        """Elements a reader would scroll sideways for (none on a page that fits)."""
        return self.evaluate(OVERFLOW)

    def screenshot(self, path: Path) -> Path:
        """The whole page, as PNG."""
        size = self.send("Page.getLayoutMetrics")["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        shot = self.send(
            "Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True}
        )
        Path(path).write_bytes(base64.b64decode(shot["data"]))
        return Path(path)
