"""Take the README's screenshots of the demo: the survey, the leader's home and the trend
(phone, desktop); and write the sample report of the demo's newest wave.

Run with ``make screenshots``. It builds the demo in a temporary SQLite database,
writes docs/sample-report.pdf, serves the demo on a free port and drives Debian's Chromium
(/usr/bin/chromium).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

DOCS = Path(__file__).parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask(env: dict[str, str], *args: str) -> str:
    """Run a ``flask --app survey_app`` command and return what it printed."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "survey_app", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def main() -> None:
    """Build the demo, serve it, and take the screenshots."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder}/demo.db",
            "SECRET_KEY": "screenshots",
            "PUBLIC_URL": base,
        }
        flask(env, "init-db")
        demo = flask(env, "demo")
        link = re.search(r"Survey link for sales: (\S+)", demo).group(1)
        password = re.search(r"leader@demo\.example\s+(\S+)", demo).group(1)
        slug = re.search(r"results (\S+)", demo).group(1)
        organization = re.search(r"trend (\S+)", demo).group(1)
        flask(env, "report", slug, "-o", str(DOCS / "sample-report.pdf"))
        server = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "survey_app", "run", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            shoot(base, link, slug, organization, password)
        finally:
            server.terminate()
            server.wait()


def shoot(base: str, link: str, slug: str, organization: str, password: str) -> None:
    """The survey, the leader's home (the demo's release) and the trend, on a phone and a laptop."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for name, viewport in (
            ("phone", {"width": 360, "height": 780}),
            ("desktop", {"width": 1280, "height": 900}),
        ):
            page = browser.new_context(viewport=viewport).new_page()
            page.goto(link)
            page.get_by_role("link", name="Start the survey").click()
            page.wait_for_url("**/answers")
            page.get_by_role("group", name=re.compile("Our actual sales")).get_by_label(
                "Agree", exact=True
            ).check()
            page.screenshot(path=str(DOCS / f"survey-{name}.png"))
            page.goto(base + "/sign-in")
            page.get_by_label("E-mail address").fill("leader@demo.example")
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"**/a/{slug}/releases/1")  # a leader lands on the newest release
            # The phone's shot is its first screen, the laptop's the whole page.
            page.screenshot(path=str(DOCS / f"leader-home-{name}.png"), full_page=name == "desktop")
            page.goto(f"{base}/o/{organization}/trend")  # the released waves, as the leader sees them
            page.screenshot(path=str(DOCS / f"trend-{name}.png"), full_page=name == "desktop")
        browser.close()
    print(f"Screenshots written to {DOCS}")


if __name__ == "__main__":
    main()
