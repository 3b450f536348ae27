"""The pystrix command: demo, action and events, against the simulator."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading

import pytest

from pystrix.ami import Manager, core
from pystrix.cli import main
from pystrix.testing import AsteriskSimulator


def _connection_args(simulator: AsteriskSimulator) -> list[str]:
    return ["--host", simulator.host, "--port", str(simulator.port)]


def test_demo_runs_the_seed_flow_and_exits_zero() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pystrix", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for kind in ("string", "regex", "class"):
        assert out.count(f"Received {kind} event: FullyBooted") == 1
    assert "Logged in with an MD5 key" in out
    assert "Ping: Pong" in out
    assert "Received Shutdown" in out
    assert out.rstrip().endswith("Demo finished")


def test_action_prints_the_response(
    simulator: AsteriskSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["action", *_connection_args(simulator), "--secret", "wordpass", "Ping"])
    assert code == 0
    out = capsys.readouterr().out
    assert "Response: Success" in out
    assert "Ping: Pong" in out


def test_action_json_with_a_list_and_the_secret_from_the_environment(
    simulator: AsteriskSimulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYSTRIX_SECRET", "wordpass")
    code = main(["action", *_connection_args(simulator), "--json", "CoreShowChannels"])
    assert code == 0
    document = json.loads(capsys.readouterr().out)
    assert document["success"] is True
    assert document["response"]["EventList"] == "start"
    assert document["events"][-1]["Event"] == "CoreShowChannelsComplete"


def test_action_with_headers_and_an_error_answer(
    simulator: AsteriskSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _connection_args(simulator)
    assert main(["action", *args, "--secret", "wordpass", "Setvar", "Variable=X", "Value=1"]) == 0
    capsys.readouterr()
    assert main(["action", *args, "--secret", "wordpass", "--json", "Getvar", "Variable=X"]) == 0
    assert json.loads(capsys.readouterr().out)["response"]["Value"] == "1"
    assert main(["action", *args, "--secret", "wordpass", "DBGet", "Family=f", "Key=k"]) == 1


def test_action_usage_errors(
    simulator: AsteriskSimulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PYSTRIX_SECRET", raising=False)
    assert main(["action", *_connection_args(simulator), "Ping"]) == 1
    assert "secret" in capsys.readouterr().err
    args = [*_connection_args(simulator), "--secret", "wordpass"]
    assert main(["action", *args, "Ping", "NoEqualsSign"]) == 1
    assert "Key=Value" in capsys.readouterr().err
    assert main(["action", *args[:-1], "wrong", "Ping"]) == 1
    assert "Authentication failed" in capsys.readouterr().err


def test_events_prints_json_lines_until_interrupted(simulator: AsteriskSimulator) -> None:
    logins = threading.Semaphore(0)
    watcher = Manager()
    # Every session with security read hears each login, its own included.
    watcher.register_callback("SuccessfulAuth", lambda event, manager: logins.release())
    watcher.connect(simulator.host, simulator.port)
    watcher.send_action(core.Login("admin", "wordpass"))
    assert logins.acquire(timeout=30)
    env = {**os.environ, "PYSTRIX_SECRET": "wordpass"}
    command = [sys.executable, "-m", "pystrix", "events", *_connection_args(simulator)]
    process = subprocess.Popen(
        [*command, "--json", "--filter", "UserEvent"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert logins.acquire(timeout=30), "the events command never logged in"
        watcher.send_action(core.UserEvent("FromTest", Key="value"))
        event = json.loads(_read_line(process, timeout=30))
        assert event["Event"] == "UserEvent"
        assert event["UserEvent"] == "FromTest"
        assert event["Key"] == "value"
        process.send_signal(signal.SIGINT)
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        watcher.close()


def _read_line(process: subprocess.Popen[str], timeout: float) -> str:
    """One line of the child's output; fails instead of hanging if none comes."""
    lines: list[str] = []
    done = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        lines.append(process.stdout.readline())
        done.set()

    threading.Thread(target=read, daemon=True).start()
    assert done.wait(timeout), "the child printed nothing"
    return lines[0]
