#!/usr/bin/env python3
"""Prints an HTML file to PDF with headless Chromium over the DevTools protocol, with page numbers in the footer.

    print-pdf.py CHROMIUM HTML PDF [SECONDS]

Chromium does not support CSS @page margin boxes, so the page numbers come from Page.printToPDF's footer template
(<span class="pageNumber">, <span class="totalPages">): "第 N 页 共 M 页" for a report in Chinese (<html lang="zh...">),
"Page N of M" otherwise. The protocol runs over --remote-debugging-pipe (file descriptors 3 and 4, one JSON message
per NUL), so only the standard library is needed. Every wait has a deadline (SECONDS, default 60): past it, or on any
error, Chromium is killed and the exit status is 1.
"""
import base64
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time


class Browser:
    """A headless Chromium in its own process group, spoken to over the DevTools pipe."""

    def __init__(self, executable, deadline):
        self.deadline = deadline
        self.profile = tempfile.mkdtemp(prefix="print-pdf.")
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()
        # The child reads commands on fd 3 and writes answers on fd 4. The pipe's ends are copied first, as one of
        # them may already be fd 3 or 4 (dup2 onto itself would leave it closed on exec); dup2 makes the copies
        # inheritable, and close_fds would close them again after this runs.
        def wire():
            commands, answers = os.dup(to_child_r), os.dup(from_child_w)
            os.dup2(commands, 3)
            os.dup2(answers, 4)
        self.log = open(os.path.join(self.profile, "chromium.log"), "wb")
        self.process = subprocess.Popen(
            [executable, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe", "--no-first-run",
             "--disable-extensions", "--disable-background-networking", "--user-data-dir=" + self.profile, "about:blank"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log, preexec_fn=wire, close_fds=False,
            start_new_session=True)
        os.close(to_child_r)
        os.close(from_child_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_child, json.dumps(message).encode() + b"\0")
        return self.next_id

    def receive(self):
        while b"\0" not in self.buffer:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium did not answer before the deadline")
            ready, _, _ = select.select([self.from_child], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.from_child, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe (see its log above)")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, params=None, session=None):
        wanted = self.send(method, params, session)
        while True:
            message = self.receive()
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method):
        while True:
            for i, event in enumerate(self.events):
                if event.get("method") == method:
                    return self.events.pop(i)
            self.events.append(self.receive())

    def close(self):
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        self.log.close()
        for fd in (self.to_child, self.from_child):
            os.close(fd)
        shutil.rmtree(self.profile, ignore_errors=True)


def footer(language):
    style = "font-family: 'Noto Sans CJK SC', sans-serif; font-size: 9px; width: 100%; text-align: center; color: #333;"
    if language.startswith("zh"):
        words = '第 <span class="pageNumber"></span> 页 共 <span class="totalPages"></span> 页'
    else:
        words = 'Page <span class="pageNumber"></span> of <span class="totalPages"></span>'
    return f'<div style="{style}">{words}</div>'


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit("usage: print-pdf.py CHROMIUM HTML PDF [SECONDS]")
    executable, html, pdf = sys.argv[1:4]
    seconds = float(sys.argv[4]) if len(sys.argv) == 5 else 60.0
    with open(html, encoding="utf-8") as f:
        head = f.read(4096)
    match = re.search(r'<html[^>]*\blang="([^"]+)"', head)
    language = match.group(1) if match else "en"
    browser = Browser(executable, time.monotonic() + seconds)
    try:
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        browser.call("Page.enable", session=session)
        browser.call("Page.navigate", {"url": "file://" + os.path.abspath(html)}, session=session)
        browser.wait_for("Page.loadEventFired")
        result = browser.call("Page.printToPDF", {
            "printBackground": True, "preferCSSPageSize": True, "displayHeaderFooter": True,
            "headerTemplate": "<span></span>", "footerTemplate": footer(language)}, session=session)
        with open(pdf, "wb") as f:
            f.write(base64.b64decode(result["data"]))
        try:
            browser.call("Browser.close")
        except (RuntimeError, TimeoutError):
            pass
    except (RuntimeError, TimeoutError, OSError, KeyError) as error:
        browser.log.flush()
        with open(os.path.join(browser.profile, "chromium.log"), "rb") as log:
            sys.stderr.write(log.read().decode(errors="replace")[-4000:])
        print(f"print-pdf: {html}: {error}", file=sys.stderr)
        return 1
    finally:
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
