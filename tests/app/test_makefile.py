"""The README's quick start: `make run` hands out links to the address it serves on."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from helpers import ROOT


def planned(*arguments: str) -> str:
    """The commands `make` would run (``make -n``), with no PUBLIC_URL in the environment."""
    # Nothing from the environment: no PUBLIC_URL, and no flags of a make that runs the tests.
    ignored = {"PUBLIC_URL", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "PORT", "HOST"}
    env = {name: value for name, value in os.environ.items() if name not in ignored}
    done = subprocess.run(
        ["make", "-n", "-C", str(ROOT), *arguments], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_on_another_port_hands_out_links_with_that_port() -> None:
    commands = planned("run", "PORT=5077")
    demo = next(line for line in commands.splitlines() if line.rstrip().endswith(" demo"))
    run = next(line for line in commands.splitlines() if " run --host " in line)
    assert "PUBLIC_URL=http://127.0.0.1:5077" in demo
    assert "PUBLIC_URL=http://127.0.0.1:5077" in run
    assert "--port 5077" in run


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_a_configured_public_address_is_kept() -> None:
    commands = planned("run", "PUBLIC_URL=https://survey.example.org")
    assert "PUBLIC_URL=https://survey.example.org" in commands
    assert "PUBLIC_URL=http://127.0.0.1" not in commands
