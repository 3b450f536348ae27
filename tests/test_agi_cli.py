"""``pystrix fastagi module:function`` and the FastAGI part of ``pystrix demo``."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pystrix.cli import run_demo
from pystrix.testing.agi import fastagi_call

HANDLERS = """
from pystrix.agi import core

def hello(agi, args, kwargs, match, path):
    agi.execute(core.Answer())
    agi.execute(core.SetVariable("FROM_CLI", path + ":" + ",".join(args)))

async def ahello(agi, args, kwargs, match, path):
    await agi.execute(core.SetVariable("FROM_CLI", "async:" + path))
"""


@pytest.mark.parametrize(("function", "expected"), [("hello", "x:1,2"), ("ahello", "async:x")])
def test_fastagi_serves_a_handler_until_sigterm(
    tmp_path: Path, function: str, expected: str
) -> None:
    (tmp_path / "my_handlers.py").write_text(HANDLERS)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    process = subprocess.Popen(
        [sys.executable, "-m", "pystrix", "fastagi", "--port", "0", f"my_handlers:{function}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "listening on 127.0.0.1:" in line, line + (
            process.stderr.read() if process.stderr else ""
        )
        port = int(line.rsplit(":", 1)[1])
        record = fastagi_call("127.0.0.1", port, "x", ["1", "2"], timeout=30)
        assert record.ended_by == "server"
        assert record.channel.variables["FROM_CLI"] == expected
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_fastagi_rejects_a_bad_target() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pystrix", "fastagi", "no_such_module_here:fn"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "cannot load" in done.stderr


def test_demo_includes_a_fastagi_call() -> None:
    out = io.StringIO()
    assert run_demo(out) == 0
    text = out.getvalue()
    assert "FastAGI call for Local/300@test-0000000c;2: path 'hello', args ('demo',)" in text
    assert "GET VARIABLE FOO -> 'from-originate'" in text
    assert "call ended by the server" in text
