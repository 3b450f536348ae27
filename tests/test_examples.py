"""Every example runs against the simulator, checked by its output, so none goes stale.

The seed example runs unchanged (print made a function) against our code and simulator;
each program of ``examples/`` runs in a subprocess as a user would run it (the address
on the command line, or in ``PYSTRIX_*`` variables), and ``examples/tests_with_plugin``
runs under pytest with pystrix's plugin.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pystrix.ami import Manager, core
from pystrix.testing import AsteriskSimulator
from pystrix.testing.agi import SimulatedChannel, fastagi_call

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

    def wait_for_match(self, pattern: str, count: int = 1) -> list[re.Match[str]]:
        """The first ``count`` lines matching ``pattern`` (whole lines), once they came;
        fails if the child's output ended first."""

        def found() -> list[re.Match[str]]:
            matches = (re.fullmatch(pattern, line) for line in self.lines)
            return [match for match in matches if match is not None]

        with self._changed:
            self._changed.wait_for(lambda: len(found()) >= count or "<EOF>" in self.lines, 60)
            matches = found()
        assert len(matches) >= count, self.lines
        return matches[:count]

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


# -- the other examples: each runs against the simulator, as a user would run it ----------

EXAMPLES = ROOT / "examples"
PLUGIN_EXAMPLE = EXAMPLES / "tests_with_plugin"
#: Every example program and the test below that runs it.
TESTED_EXAMPLES = {
    "ami_core.py": "test_example_script_against_the_simulator",
    "asyncagi.py": "test_asyncagi",
    "asyncio_manager.py": "test_asyncio_manager",
    "fastagi_ivr.py": "test_fastagi_ivr",
    "fastagi_ivr_asyncio.py": "test_fastagi_ivr",
    "fleet/consumer.py": "test_the_fleet_bridge_demo",
    "originate.py": "test_originate",
    "reconnect_tls.py": "test_reconnect_tls",
    "synchronous_list.py": "test_synchronous_list",
    "tests_with_plugin/my_app.py": "test_the_plugin_example",
    "tests_with_plugin/test_my_app.py": "test_the_plugin_example",
}
HANG_GUARD = 120  # seconds: only against a hung child, never a performance limit


def _clean_environment() -> dict[str, str]:
    """This process's environment without the ``PYSTRIX_*`` settings the examples read."""
    return {key: value for key, value in os.environ.items() if not key.startswith("PYSTRIX_")}


def _address(simulator: AsteriskSimulator) -> list[str]:
    return ["--host", simulator.host, "--port", str(simulator.port)]


def _run(name: str, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run an example to its end: its exit status and output."""
    done = subprocess.run(
        [sys.executable, "-u", str(EXAMPLES / name), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=HANG_GUARD,
        env=env if env is not None else _clean_environment(),
        check=False,
    )
    return done.returncode, done.stdout


@contextlib.contextmanager
def _started(name: str, *args: str) -> Iterator[tuple[subprocess.Popen[str], _Output]]:
    """An example running in the background, killed on the way out if still running."""
    process = subprocess.Popen(
        [sys.executable, "-u", str(EXAMPLES / name), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_clean_environment(),
    )
    try:
        yield process, _Output(process)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def _stop(process: subprocess.Popen[str], output: _Output) -> str:
    """Stop a serving example as a service manager does (SIGTERM); it must exit cleanly."""
    process.send_signal(signal.SIGTERM)
    assert process.wait(HANG_GUARD) == 0, output.text()
    return output.text()


def test_every_example_has_a_test() -> None:
    programs = {str(path.relative_to(EXAMPLES)) for path in EXAMPLES.rglob("*.py")}
    assert programs == set(TESTED_EXAMPLES)
    for test in TESTED_EXAMPLES.values():
        assert callable(globals()[test])


def test_originate(simulator: AsteriskSimulator) -> None:
    status, text = _run("originate.py", *_address(simulator))
    assert status == 0, text
    queued = re.search(r"^Originate queued, ActionID (originate-\w+)$", text, re.MULTILINE)
    assert queued, text
    assert re.search(
        r"^OriginateResponse: Success, Local/100@test-\w+;1, reason 4$", text, re.MULTILINE
    ), text

    # A channel that cannot be dialled: the response says so, and the exit status too.
    # The address comes from the environment variables this time.
    env = _clean_environment()
    env.update(PYSTRIX_HOST=simulator.host, PYSTRIX_PORT=str(simulator.port))
    status, text = _run("originate.py", "--channel", "Local/999@test", env=env)
    assert status == 1, text
    assert "OriginateResponse: Failure, Local/999@test, reason 0" in text


def test_asyncio_manager(simulator: AsteriskSimulator) -> None:
    with _started("asyncio_manager.py", *_address(simulator)) as (process, output):
        assert output.wait_for("watching calls (Ctrl-C to stop)"), output.lines
        # A call for the example to see, placed by this test as another AMI client would.
        with Manager() as manager:
            manager.connect(simulator.host, simulator.port)
            manager.send_action(core.Login("admin", "wordpass"))
            call = core.Originate_Application("Local/100@test", "Wait", ["1"], async_=False)
            answer = manager.send_action(call)
            assert answer is not None and answer.success
        output.wait_for_match(r"new channel Local/100@test-\w+;[12] \((Down|Ring)\)", 2)
        output.wait_for_match(r"hangup Local/100@test-\w+;[12]: .+", 2)  # async for
        simulator.stop()  # Shutdown: the connection ends, and so does the loop
        assert process.wait(HANG_GUARD) == 0, output.text()
    text = output.text()
    assert text.startswith("Asterisk 22"), text  # the Command's answer
    assert text.endswith("connection closed\n<EOF>"), text


def test_synchronous_list(simulator: AsteriskSimulator) -> None:
    status, text = _run("synchronous_list.py", *_address(simulator))
    assert status == 0, text
    assert "0 active channel(s)" in text and "queue q1 (ringall): 0 waiting" in text

    with Manager() as manager:  # a call and a queue member for the example to list
        manager.connect(simulator.host, simulator.port)
        manager.send_action(core.Login("admin", "wordpass"))
        call = core.Originate_Application("Local/400@test", "Echo", async_=False)
        answer = manager.send_action(call)
        assert answer is not None and answer.success
        added = manager.send_action(core.QueueAdd("PJSIP/6001", "q1", membername="Alice"))
        assert added is not None and added.success
        status, text = _run("synchronous_list.py", *_address(simulator))
    assert status == 0, text
    assert "2 active channel(s)" in text
    assert re.search(r"^  Local/400@test-\w+;1 Up Echo\(\)$", text, re.MULTILINE), text
    assert "  member Alice of q1" in text
    assert "items listed: 2" in text


def _make_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=HANG_GUARD,
    )  # fmt: skip
    return cert, key


@pytest.mark.parametrize("tls", [True, False], ids=["tls", "plain"])
def test_reconnect_tls(tls: bool, tmp_path: Path) -> None:
    context: ssl.SSLContext | None = None
    args: list[str] = []
    if tls:
        if shutil.which("openssl") is None:
            pytest.skip("needs openssl to make a certificate")
        cert, key = _make_certificate(tmp_path)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        args = ["--cafile", str(cert)]
    first = AsteriskSimulator(tls=context, auth_failure_delay=0.01).start()
    second: AsteriskSimulator | None = None
    try:
        with _started("reconnect_tls.py", *_address(first), *args) as (process, output):
            over = " over TLS" if tls else ""
            assert output.wait_for(f"logged in to {first.host}:{first.port}{over}"), output.lines
            first.stop()  # Asterisk goes away...
            output.wait_for_match(r"connection lost: .+")
            # ... and comes back on the same port: the example reconnects and logs in.
            second = AsteriskSimulator(port=first.port, tls=context, auth_failure_delay=0.01)
            second.start()
            assert output.wait_for("reconnected and logged in again"), output.lines
            text = _stop(process, output)
        assert "stopping" in text
    finally:
        first.stop()
        if second is not None:
            second.stop()


@pytest.mark.parametrize("name", ["fastagi_ivr.py", "fastagi_ivr_asyncio.py"])
def test_fastagi_ivr(name: str) -> None:
    with _started(name, "--port", "0") as (process, output):
        (listening,) = output.wait_for_match(r"FastAGI IVR listening on 127\.0\.0\.1:(\d+)")
        port = int(listening.group(1))
        branches = {"1": "demo-congrats", "2": "tt-monkeys", "": "vm-goodbye", "9": "vm-goodbye"}
        for number, (digit, recording) in enumerate(branches.items()):
            channel = SimulatedChannel.numbered(number, digits=[digit] if digit else [])
            record = fastagi_call("127.0.0.1", port, "ivr", channel=channel)
            assert record.ended_by == "server", record
            assert record.commands[:2] == ["ANSWER", "STREAM FILE hello-world 12"]
            assert record.commands[-2:] == [f'STREAM FILE {recording} ""', "HANGUP"]
            assert ("WAIT FOR DIGIT 5000" in record.commands) == (digit not in ("1", "2"))
            output.wait_for_match(
                rf"{re.escape(channel.name)}: pressed {digit or 'nothing'}, hung up"
            )
        # A caller who hangs up during the prompt: the handler says so and returns.
        channel = SimulatedChannel.numbered(99, hangup_at=2)
        record = fastagi_call("127.0.0.1", port, "ivr", channel=channel)
        assert record.commands == ["ANSWER", "STREAM FILE hello-world 12"]
        output.wait_for_match(rf"{re.escape(channel.name)}: the command failed .+")
        text = _stop(process, output)
    assert text.endswith("stopped\n<EOF>"), text
    assert "Traceback" not in text


def test_asyncagi(simulator: AsteriskSimulator) -> None:
    args = [*_address(simulator), "--originate", "Local/400@test"]
    with _started("asyncagi.py", *args) as (process, output):
        output.wait_for_match(r"call on Local/400@test-\w+;1 to extension 400")
        output.wait_for_match(r"Local/400@test-\w+;1: pressed nothing, hung up")
        simulator.stop()  # Shutdown: the connection ends, and so does the loop
        assert process.wait(HANG_GUARD) == 0, output.text()
    text = output.text()
    assert text.endswith("connection closed\n<EOF>"), text
    assert "Traceback" not in text


def test_the_plugin_example() -> None:
    """The application's own tests, run by pytest with pystrix's plugin, as the
    application's developers would (autoloading off, so only this plugin is loaded)."""
    env = _clean_environment()
    env.update(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-p", "pystrix.testing.pytest_plugin",
            "-p", "no:cacheprovider", "--strict-markers", str(PLUGIN_EXAMPLE),
        ],
        cwd=PLUGIN_EXAMPLE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=HANG_GUARD,
        env=env,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout
    assert re.search(r"\b\d+ passed\b", done.stdout), done.stdout


def test_the_fleet_bridge_demo(simulator: AsteriskSimulator, tmp_path: Path) -> None:
    """The README's bridge demo: its configuration (pointed at this test's simulator and
    Redis, the only change), ``pystrix bridge`` and the consumer example."""
    from pystrix.testing.redis_server import running_redis

    with running_redis(persistent=False) as redis:
        text = (EXAMPLES / "fleet" / "fleet.toml").read_text()
        assert "port = 5038" in text and "127.0.0.1:6390" in text
        config = tmp_path / "fleet.toml"
        config.write_text(
            text.replace("port = 5038", f"port = {simulator.port}").replace(
                "127.0.0.1:6390", f"127.0.0.1:{redis.port}"
            )
        )
        bridge = subprocess.Popen(
            [sys.executable, "-m", "pystrix", "bridge", "--config", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**_clean_environment(), "PBX1_SECRET": "wordpass"},
        )
        try:
            output = _Output(bridge)
            # As a reader does: the consumer once the bridge says it is connected.
            output.wait_for_match(r".*server pbx1: connected .*")
            status, text = _run("fleet/consumer.py", "--redis", redis.url)
            assert status == 0, text + output.text()
            assert "servers: pbx1" in text
            assert "Ping through the bridge: success=True, Pong" in text
            assert "event from pbx1: UserEvent FleetDemo, hello" in text
            bridge_text = _stop(bridge, output)
        finally:
            if bridge.poll() is None:
                bridge.kill()
            bridge.wait()
    assert "Traceback" not in bridge_text and "wordpass" not in bridge_text
