"""Stopping the servers the benchmarks start."""

from __future__ import annotations

import subprocess


def stop(process: subprocess.Popen) -> None:
    """TERM a server (gunicorn finishes the requests under way), KILL it if it does not exit in time."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
