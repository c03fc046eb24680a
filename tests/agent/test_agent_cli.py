"""`phonefarm agent`: refusals that exit 2 with a message naming the option."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from phonefarm.cli import app

TOKEN = "t" * 30


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["agent", "--adb", "--sim", "2", "--token", TOKEN], "pick one"),
        (["agent", "--token", TOKEN], "--sim"),
        (["agent", "--sim", "2"], "--token"),
        (["agent", "--sim", "2", "--token", TOKEN, "--sim-control", "0.0.0.0:8765"], "loopback"),
        (["agent", "--sim", "2", "--token", TOKEN, "--controller", "ftp://x"], "--controller:"),
        (["agent", "--sim", "2", "--token", TOKEN, "--host", "a b"], "--host"),
        (["agent", "--sim", "2", "--token", TOKEN, "--sim-resolution", "9x9"], "WIDTHxHEIGHT"),
    ],
)
def test_bad_invocations_exit_2_and_say_why(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, args, env={"PHONEFARM_AGENT_TOKEN": ""})
    assert result.exit_code == 2, result.output
    assert message in result.output
