"""A bounded load: locust, headless, in its own process, playing respondents against one server.

``run_load(base, "AppRespondent", info, seconds=15, users=32)`` starts all ``users`` at
once (each a browser playing respondents back to back, see bench/respondents.py), stops
starting new respondents after ``seconds``, lets every respondent under way finish, and
returns what was measured. The load generator runs on the same cores as the server.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOCUSTFILE = Path(__file__).resolve().parent / "respondents.py"
#: Seconds a respondent under way at the end may take to finish (then it is cut off).
STOP_TIMEOUT = 30


@dataclass
class Tally:
    """What one load run measured."""

    latencies: list[float] = field(default_factory=list)  # seconds, every request
    flows: list[float] = field(default_factory=list)  # seconds, every accepted respondent
    error_kinds: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0  # from the start to the last accepted respondent
    client_cpu: float = 0.0  # CPU seconds of the load generator (locust)
    server_cpu: float = 0.0  # CPU seconds of the server under load (filled in by the caller)
    machine_cpu: float = 0.0  # CPU seconds of the whole machine (filled in by the caller)

    @classmethod
    def merged(cls, tallies: list[Tally]) -> Tally:
        """One tally of several runs against the same server, as if they were one long run."""
        kinds: Counter[str] = Counter()
        for tally in tallies:
            kinds.update(tally.error_kinds)
        return cls(
            latencies=[latency for tally in tallies for latency in tally.latencies],
            flows=[flow for tally in tallies for flow in tally.flows],
            error_kinds=dict(kinds),
            elapsed=sum(tally.elapsed for tally in tallies),
            client_cpu=sum(tally.client_cpu for tally in tallies),
            server_cpu=sum(tally.server_cpu for tally in tallies),
            machine_cpu=sum(tally.machine_cpu for tally in tallies),
        )

    @property
    def accepted(self) -> int:
        return len(self.flows)

    @property
    def errors(self) -> int:
        return sum(self.error_kinds.values())

    @property
    def respondents_per_s(self) -> float:
        return self.accepted / self.elapsed

    @property
    def requests_per_s(self) -> float:
        return len(self.latencies) / self.elapsed


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))] * 1000


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_load(base: str, user_class: str, info: dict[str, Any], *, seconds: float, users: int) -> Tally:
    """Play respondents of ``user_class`` against ``base`` for ``seconds``; the tally."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "tally.json"
        command = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--users",
            str(users),
            "--spawn-rate",
            str(users),
            "--run-time",
            f"{max(1, round(seconds))}s",
            "--stop-timeout",
            str(STOP_TIMEOUT),
            "--exit-code-on-error",
            "0",
            "--host",
            base,
            user_class,
        ]
        env = {**os.environ, "BENCH_LOAD_OUT": str(out), "BENCH_LOAD_INFO": json.dumps(info)}
        before = _children_cpu()
        finished = subprocess.run(
            command, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False
        )
        cpu = _children_cpu() - before
        if finished.returncode != 0 or not out.exists():
            raise SystemExit(f"locust failed ({finished.returncode}):\n{finished.stderr[-3000:]}")
        raw = json.loads(out.read_text())
    started, ended = raw["started"], raw["ended"]
    return Tally(
        latencies=raw["latencies"],
        flows=raw["flows"],
        error_kinds=raw["errors"],
        elapsed=(ended - started) if started and ended else float(seconds),
        client_cpu=cpu,
    )
