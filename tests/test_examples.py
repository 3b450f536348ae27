"""The seed example runs unchanged (print made a function) against our code and simulator."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from pystrix.testing import AsteriskSimulator

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seed" / "ami-example.txt"
FULLY_BOOTED_LINES = (
    "Recieved string event: FullyBooted",
    "Recieved regex event: FullyBooted",
    "Recieved class event: FullyBooted",
)


class _Output:
    """Collects a child's output lines on a thread; tests wait for a line, never sleep."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._pump, args=(process,), daemon=True)
        self._thread.start()

    def _pump(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self.lines.append("<EOF>")
            self._changed.notify_all()

    def wait_for(self, *wanted: str, timeout: float = 30) -> bool:
        with self._changed:
            return self._changed.wait_for(
                lambda: all(w in self.lines for w in wanted) or "<EOF>" in self.lines, timeout
            ) and all(w in self.lines for w in wanted)

    def text(self) -> str:
        self._thread.join(30)
        return "\n".join(self.lines)


def _seed_as_python3() -> str:
    """The seed document's code block, with only ``print`` made a function."""
    document = SEED.read_text()
    _, _, block = document.partition("::\n")
    code = textwrap.dedent(block)
    return re.sub(r"^(\s*)print (.+)$", r"\1print(\2)", code, flags=re.MULTILINE)


def _check_fully_booted_once(text: str) -> None:
    for line in FULLY_BOOTED_LINES:
        assert text.count(line) == 1, text
    assert "Recieved event: FullyBooted" in text  # the catch-all callback


def test_example_script_against_the_simulator() -> None:
    with AsteriskSimulator(time_scale=0.05) as simulator:
        process = subprocess.Popen(
            [
                sys.executable,
                "-u",
                str(ROOT / "examples" / "ami_core.py"),
                simulator.host,
                str(simulator.port),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        output = _Output(process)
        try:
            assert output.wait_for(*FULLY_BOOTED_LINES), output.lines
            simulator.stop()  # Shutdown: the example's loop ends by itself
            assert process.wait(60) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    _check_fully_booted_once(output.text())


@pytest.mark.skipif(not SEED.is_file(), reason="the seed document is not available")
def test_seed_unchanged_against_python_m_pystrix_sim(tmp_path: Path) -> None:
    seed = tmp_path / "seed_example.py"
    seed.write_text(_seed_as_python3())
    # The seed connects to localhost on the default port 5038; tests must use a free port,
    # so the runner changes connect()'s default port and nothing in the seed's text.
    runner = tmp_path / "run_seed.py"
    runner.write_text(
        textwrap.dedent(
            """
            import runpy, sys
            import pystrix
            port = int(sys.argv[2])
            original = pystrix.ami.Manager.connect
            def connect(self, host, port=port, timeout=5):
                return original(self, host, port, timeout)
            pystrix.ami.Manager.connect = connect
            runpy.run_path(sys.argv[1], run_name="__main__")
            """
        )
    )
    sim = subprocess.Popen(
        [sys.executable, "-u", "-m", "pystrix", "sim", "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    example: subprocess.Popen[str] | None = None
    try:
        assert sim.stdout is not None
        banner = sim.stdout.readline()
        found = re.search(r"listening on 127\.0\.0\.1:(\d+)", banner)
        assert found, banner
        example = subprocess.Popen(
            [sys.executable, "-u", "-W", "ignore", str(runner), str(seed), found.group(1)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        output = _Output(example)
        assert output.wait_for(*FULLY_BOOTED_LINES), output.lines
        sim.send_signal(signal.SIGTERM)
        assert example.wait(60) == 0, output.text()
        assert sim.wait(60) == 0
    finally:
        for process in (example, sim):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
    _check_fully_booted_once(output.text())
