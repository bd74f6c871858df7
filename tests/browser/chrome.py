"""Headless Debian chromium, driven over the DevTools protocol.

Standard library only (Debian's /usr/bin/python3).  The browser runs with
--remote-debugging-pipe: commands go to its fd 3 and replies come from its
fd 4 as NUL-terminated JSON, so no port is opened and no WebSocket is needed.
Every Browser gets a fresh --user-data-dir, removed on close.

    with Browser() as b:
        page = b.open("file:///tmp/report.html", width=1280)
        page.eval("document.title")
        page.screenshot("tests/artifacts/report-1280.png")
        html = b.dom("http://127.0.0.1:8080/v1/evaluations/1/report",
                     headers={"Authorization": "Bearer KEY"})

Server-backed tests use the same calls with an http:// URL (and headers
when the route needs a key).  dump_dom(url) is the one-shot variant on
chromium's own --dump-dom, for a quick look without the protocol.
"""
import base64
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--mute-audio", "--disable-extensions", "--disable-dev-shm-usage"]


class BrowserError(Exception):
    pass


def dump_dom(url, timeout=60):
    """The serialised DOM of url after load, from chromium --dump-dom."""
    profile = tempfile.mkdtemp(prefix="fa-chromium-")
    try:
        out = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}",
                              "--dump-dom", url], capture_output=True,
                             timeout=timeout, check=True)
        return out.stdout.decode("utf-8", "replace")
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def _high_fd(fd):
    """A duplicate of fd numbered 10 or more (so shell redirections to 3 and
    4 cannot clobber it); the original is closed."""
    new = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return new


class Page:
    """One tab, attached with a flat session."""

    def __init__(self, browser, target_id, session_id):
        self.b = browser
        self.target_id = target_id
        self.session = session_id
        self.dialogs = []       # messages of alert()/confirm()/prompt()
        self.console = []       # console API calls and exceptions
        self.width = 0
        self.height = 0

    def send(self, method, params=None, timeout=60):
        return self.b.send(method, params, session=self.session, timeout=timeout)

    def _event(self, msg):
        m = msg.get("method")
        p = msg.get("params", {})
        if m == "Page.javascriptDialogOpening":
            self.dialogs.append(p.get("message"))
            self.b.post("Page.handleJavaScriptDialog", {"accept": True},
                        session=self.session)
        elif m == "Runtime.consoleAPICalled":
            self.console.append(p.get("type"))
        elif m == "Runtime.exceptionThrown":
            self.console.append("exception")

    def navigate(self, url, timeout=60):
        self.b.loaded.discard(self.session)
        r = self.send("Page.navigate", {"url": url}, timeout=timeout)
        if r.get("errorText"):
            raise BrowserError(f"navigation to {url} failed: {r['errorText']}")
        deadline = time.time() + timeout
        while self.session not in self.b.loaded:
            if time.time() > deadline:
                raise BrowserError(f"{url} did not finish loading")
            self.b.pump(deadline - time.time())

    def set_viewport(self, width, height=2000):
        self.width, self.height = width, height
        self.send("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1,
            "mobile": width < 600})

    def eval(self, expression):
        """Value of a JavaScript expression in the page (returned by value).
        The page itself runs no script; this is the test's own probe."""
        r = self.send("Runtime.evaluate", {"expression": expression,
                                           "returnByValue": True})
        if "exceptionDetails" in r:
            raise BrowserError(f"evaluating {expression!r}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def dom(self):
        return self.eval("document.documentElement.outerHTML")

    def screenshot(self, path, full_page=False, clip=None):
        """Save a PNG of the viewport, of the whole page (full_page), or of
        clip = (x, y, width, height) in CSS pixels."""
        params = {"format": "png"}
        if full_page or clip:
            if not clip:
                m = self.send("Page.getLayoutMetrics")
                size = m.get("cssContentSize") or m["contentSize"]
                clip = (0, 0, self.width or size["width"], size["height"])
            params["clip"] = {"x": clip[0], "y": clip[1], "width": clip[2],
                              "height": clip[3], "scale": 1}
            params["captureBeyondViewport"] = True
        r = self.send("Page.captureScreenshot", params, timeout=120)
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))
        return path

    def close(self):
        self.b.send("Target.closeTarget", {"targetId": self.target_id})


class Browser:
    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="fa-chromium-")
        cmd_r, cmd_w = os.pipe()        # we write commands, chromium reads fd 3
        out_r, out_w = os.pipe()        # chromium writes fd 4, we read
        cmd_r, out_w = _high_fd(cmd_r), _high_fd(out_w)
        args = " ".join(f"'{a}'" for a in [CHROMIUM, *FLAGS,
                                           f"--user-data-dir={self.profile}",
                                           "--remote-debugging-pipe",
                                           "about:blank"])
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            ["/bin/bash", "-c", f"exec {args} 3<&{cmd_r} 4>&{out_w} {cmd_r}<&- {out_w}>&-"],
            pass_fds=(cmd_r, out_w), stdin=subprocess.DEVNULL,
            stdout=self.log, stderr=self.log)
        os.close(cmd_r)
        os.close(out_w)
        self.w = os.fdopen(cmd_w, "wb", buffering=0)
        self.r = out_r
        self.buf = b""
        self.next_id = 0
        self.replies = {}
        self.pages = {}
        self.loaded = set()
        self.send("Target.setDiscoverTargets", {"discover": False})

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def post(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.w.write(json.dumps(msg).encode() + b"\0")
        return self.next_id

    def pump(self, timeout):
        """Read and dispatch what the browser has sent, waiting up to timeout."""
        import select
        ready, _, _ = select.select([self.r], [], [], max(0.0, timeout))
        if not ready:
            return
        chunk = os.read(self.r, 1 << 20)
        if not chunk:
            raise BrowserError("chromium exited: " + self.stderr_tail())
        self.buf += chunk
        while b"\0" in self.buf:
            raw, self.buf = self.buf.split(b"\0", 1)
            msg = json.loads(raw)
            if "id" in msg:
                self.replies[msg["id"]] = msg
                continue
            sid = msg.get("sessionId")
            if msg.get("method") == "Page.loadEventFired" and sid:
                self.loaded.add(sid)
            if sid in self.pages:
                self.pages[sid]._event(msg)

    def send(self, method, params=None, session=None, timeout=60):
        mid = self.post(method, params, session)
        deadline = time.time() + timeout
        while mid not in self.replies:
            if time.time() > deadline:
                raise BrowserError(f"{method}: no reply in {timeout} s")
            self.pump(deadline - time.time())
        msg = self.replies.pop(mid)
        if "error" in msg:
            raise BrowserError(f"{method}: {msg['error']}")
        return msg.get("result", {})

    def stderr_tail(self):
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-2000:]

    def new_page(self, width=1280, height=2000, headers=None):
        tid = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        sid = self.send("Target.attachToTarget", {"targetId": tid,
                                                  "flatten": True})["sessionId"]
        page = Page(self, tid, sid)
        self.pages[sid] = page
        page.send("Page.enable")
        page.send("Runtime.enable")
        if headers:
            page.send("Network.enable")
            page.send("Network.setExtraHTTPHeaders", {"headers": headers})
        page.set_viewport(width, height)
        return page

    def open(self, url, width=1280, height=2000, headers=None):
        """A new tab of the given viewport that has loaded url."""
        page = self.new_page(width, height, headers)
        page.navigate(url)
        return page

    def dom(self, url, headers=None):
        """The serialised DOM of url after load (the hook for tests against a
        live server: pass the report URL and, if needed, an Authorization
        header)."""
        page = self.open(url, headers=headers)
        try:
            return page.dom()
        finally:
            page.close()

    def close(self):
        if self.proc.poll() is None:
            try:
                self.post("Browser.close")
                self.proc.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        try:
            self.w.close()
        except OSError:
            pass
        os.close(self.r)
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)
