"""``pystrix fastagi module:function`` and the FastAGI part of ``pystrix demo``."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from pystrix.cli import run_demo
from pystrix.testing.agi import fastagi_call

GUARD = 120  # seconds: a hang guard for the child processes, never a measure

HANDLERS = """
from pystrix.agi import core

def hello(agi, args, kwargs, match, path):
    agi.execute(core.Answer())
    agi.execute(core.SetVariable("FROM_CLI", path + ":" + ",".join(args)))

async def ahello(agi, args, kwargs, match, path):
    await agi.execute(core.SetVariable("FROM_CLI", "async:" + path))
"""


def _start_fastagi(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], int]:
    """``pystrix fastagi ARGS`` from ``tmp_path`` (where my_handlers.py is), and its port."""
    (tmp_path / "my_handlers.py").write_text(HANDLERS)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    # A child inherits an ignored SIGINT; let it see SIGINT as from a terminal.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "pystrix", "fastagi", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
            cwd=tmp_path,
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    assert process.stdout is not None
    line = process.stdout.readline()
    if "listening on 127.0.0.1:" not in line:
        process.kill()
        _, err = process.communicate(timeout=GUARD)
        pytest.fail(f"fastagi did not start: {line!r} {err!r}")
    return process, int(line.rsplit(":", 1)[1])


def _stop(process: subprocess.Popen[str], signum: signal.Signals) -> list[str]:
    """Send ``signum``; the lines of the child's stderr once it exited 0."""
    process.send_signal(signum)
    _, err = process.communicate(timeout=GUARD)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    return err.splitlines()


@pytest.mark.parametrize(("function", "expected"), [("hello", "x:1,2"), ("ahello", "async:x")])
def test_fastagi_serves_a_handler_until_sigterm(
    tmp_path: Path, function: str, expected: str
) -> None:
    process, port = _start_fastagi(tmp_path, f"my_handlers:{function}")
    try:
        for _ in range(2):
            record = fastagi_call("127.0.0.1", port, "x", ["1", "2"], timeout=30)
            assert record.ended_by == "server"
            assert record.channel.variables["FROM_CLI"] == expected
        lines = _stop(process, signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=GUARD)
    # One line per call, then the stop.
    assert len(lines) == 3, lines
    for number, line in enumerate(lines[:2], 1):
        assert f"call {number}: channel " in line and "script 'x', args ['1', '2']: done" in line
    assert lines[2] == "pystrix: FastAGI server stopped by SIGTERM"


def test_fastagi_debug_logs_every_agi_line(tmp_path: Path) -> None:
    process, port = _start_fastagi(tmp_path, "--debug", "my_handlers:hello")
    try:
        record = fastagi_call("127.0.0.1", port, "x", ["1", "2"], timeout=30)
        lines = _stop(process, signal.SIGINT)  # Ctrl-C: a normal stop
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=GUARD)
    assert record.ended_by == "server"
    sent = [line for line in lines if "AGI >> " in line]
    received = [line for line in lines if "AGI << " in line]
    assert len(sent) == len(record.commands) == 2
    assert "ANSWER" in sent[0] and "SET VARIABLE FROM_CLI" in sent[1]
    assert len(received) == 1 + len(record.commands)  # the environment, then each reply
    assert sum("call 1: " in line for line in lines) == 1
    assert lines[-1] == "pystrix: FastAGI server stopped by SIGINT"


def test_fastagi_on_a_busy_port(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "pystrix", "fastagi", "--port", str(port), "os.path:join"],
            capture_output=True,
            text=True,
            timeout=GUARD,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    assert done.returncode == 3
    assert done.stderr.startswith(f"pystrix: cannot listen on 127.0.0.1:{port}: ")
    assert done.stderr.count("\n") == 1, done.stderr


def test_fastagi_rejects_a_bad_target() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pystrix", "fastagi", "no_such_module_here:fn"],
        capture_output=True,
        text=True,
        timeout=GUARD,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("pystrix: cannot load no_such_module_here:fn: ")
    assert done.stderr.count("\n") == 1, done.stderr


def test_demo_includes_a_fastagi_call() -> None:
    out = io.StringIO()
    assert run_demo(out) == 0
    text = out.getvalue()
    assert "FastAGI call for Local/300@test-0000000c;2: path 'hello', args ('demo',)" in text
    assert "GET VARIABLE FOO -> 'from-originate'" in text
    assert "call ended by the server" in text
