"""What the deployment tests share: the operator's environment, its CLI, and gunicorn servers."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

import redis_support

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
#: Redis database of the servers' rate limits: this test run's own (see redis_support).
REDIS_URL = redis_support.redis_url() or "redis://127.0.0.1:6379/1"
#: Longest wait for a command of the app's CLI, and for a server to answer /healthz.
COMMAND_TIMEOUT = 90
START_TIMEOUT = 60


def redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Deployment:
    """The environment every server and command shares, and a way to run the CLI in it."""

    env: dict[str, str]
    database_url: str

    def flask(self, *args: str) -> str:
        """Run ``flask --app survey_app ARGS`` like an operator would; return its output."""
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "survey_app", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        assert done.returncode == 0, f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout


@dataclass
class Server:
    """One gunicorn master with its workers."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def wait_until_healthy(server: Server, deadline: float) -> None:
    import requests

    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(
                f"gunicorn at {server.url} exited with {server.process.returncode}:\n{server.output()}"
            )
        try:
            if requests.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn at {server.url} did not answer /healthz in {START_TIMEOUT} s:\n{server.output()}")


def stop(server: Server) -> None:
    """TERM (a graceful shutdown), then KILL if the master has not gone after a while."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)
