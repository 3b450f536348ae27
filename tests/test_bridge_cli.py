"""``pystrix bridge``: its options, a bad configuration, and whole runs in a subprocess."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
import redis

from pystrix import cli
from pystrix.ami import Manager, core
from pystrix.fleet import streams
from pystrix.testing import AsteriskSimulator
from pystrix.testing.simulator import SimulatedUser
from redis_servers import running_redis

SAFETY = 30.0  # seconds: a bound on waits for output, never a timing assertion
REPO = Path(__file__).resolve().parent.parent
AMI_SECRET = "cli-ami-Secr3t"
REDIS_PASSWORD = "cli-redis-Pa55"


def server_table(sim: AsteriskSimulator, name: str = "pbx-0") -> str:
    return (
        "[[servers]]\n"
        f'name = "{name}"\nhost = "{sim.host}"\nport = {sim.port}\n'
        'username = "admin"\nsecret_env = "TEST_AMI_SECRET"\n'
    )


FAST = "[fleet]\nreconnect = { initial_delay = 0.05, max_delay = 0.2, jitter = 0.5 }\n"


class Child:
    """``python -m pystrix bridge ...`` with its stdout lines read on a thread."""

    def __init__(self, arguments: list[str], environ: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pystrix", "bridge", *arguments],
            env={**os.environ, **environ, "PYTHONPATH": str(REPO / "src")},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.errors: queue.Queue[str] = queue.Queue()
        self.error_text: list[str] = []
        for stream, lines in (
            (self.process.stdout, self.lines),
            (self.process.stderr, self.errors),
        ):
            threading.Thread(target=self._read, args=(stream, lines), daemon=True).start()

    @staticmethod
    def _read(stream: IO[str] | None, lines: queue.Queue[str]) -> None:
        assert stream is not None
        for line in stream:
            lines.put(line)
        lines.put("")  # the end

    def logged(self, wanted: str) -> None:
        """Wait for a line of standard error holding ``wanted`` (safety timeout only)."""
        while True:
            line = self.errors.get(timeout=SAFETY)
            self.error_text.append(line)
            assert line, f"the bridge ended without logging {wanted!r}"
            if wanted in line:
                return

    def line_where(self, wanted: str) -> dict[str, object]:
        """The first JSON line holding ``wanted`` (a safety timeout, not a measurement)."""
        while True:
            line = self.lines.get(timeout=SAFETY)
            if wanted in line:
                document: dict[str, object] = json.loads(line)
                return document

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(SAFETY)
        while True:
            line = self.errors.get(timeout=SAFETY)
            if not line:
                break
            self.error_text.append(line)
        return code, "".join(self.error_text)

    def cleanup(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(SAFETY)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def secret_simulator() -> Iterator[AsteriskSimulator]:
    users = [SimulatedUser("admin", AMI_SECRET)]
    with AsteriskSimulator(auth_failure_delay=0.01, time_scale=0.02, users=users) as sim:
        yield sim


def send_user_event(sim: AsteriskSimulator, tag: str) -> None:
    manager = Manager()
    try:
        manager.connect(sim.host, sim.port)
        manager.send_action(core.Login("admin", AMI_SECRET))
        response = manager.send_action(core.UserEvent(tag, Rep=["a", "b"]))
        assert response is not None and response.success
    finally:
        manager.close()


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["bridge", "--help"])
    assert stopped.value.code == 0
    text = capsys.readouterr().out
    for option in ("--config", "--redis", "--metrics-port", "--metrics-host", "--id"):
        assert option in text
    assert "--status-interval" in text


def test_a_bad_configuration_exits_2_naming_file_server_and_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "fleet.toml"
    path.write_text(
        '[[servers]]\nname = "pbx-7"\nhost = "127.0.0.1"\nsecret_env = "X"\ncolour = "red"\n'
    )
    assert cli.main(["bridge", "--config", str(path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("pystrix: ") and error.count("\n") == 1
    assert str(path) in error and "pbx-7" in error and "colour" in error


def test_a_missing_secret_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_UNSET_SECRET", raising=False)
    path = tmp_path / "fleet.toml"
    path.write_text(
        '[[servers]]\nname = "pbx-3"\nhost = "127.0.0.1"\nusername = "admin"\n'
        'secret_env = "TEST_UNSET_SECRET"\n'
    )
    assert cli.main(["bridge", "--config", str(path)]) == 2
    error = capsys.readouterr().err
    assert "pbx-3" in error and "TEST_UNSET_SECRET" in error


def test_a_bad_redis_url_exits_2_without_showing_the_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_AMI_SECRET", AMI_SECRET)
    path = tmp_path / "fleet.toml"
    path.write_text(
        '[[servers]]\nname = "pbx-0"\nhost = "127.0.0.1"\nusername = "admin"\n'
        'secret_env = "TEST_AMI_SECRET"\n'
    )
    url = f"redis://:{REDIS_PASSWORD}@127.0.0.1:1/0"
    assert cli.main(["bridge", "--config", str(path), "--redis", url]) == 2
    error = capsys.readouterr().err
    assert error.startswith("pystrix: --redis: ") and "password" in error
    assert REDIS_PASSWORD not in error
    assert cli.main(["bridge", "--config", str(path), "--redis", "http://127.0.0.1:1"]) == 2
    assert "redis://" in capsys.readouterr().err


def test_json_lines_run_until_sigterm(secret_simulator: AsteriskSimulator, tmp_path: Path) -> None:
    path = tmp_path / "fleet.toml"
    path.write_text(FAST + server_table(secret_simulator))
    child = Child(
        ["--config", str(path), "--status-interval", "0.1"], {"TEST_AMI_SECRET": AMI_SECRET}
    )
    try:
        booted = child.line_where("FullyBooted")
        assert booted["server"] == "pbx-0" and booted["seq"] == 1
        send_user_event(secret_simulator, "FromTest")
        event = child.line_where("FromTest")
        child.logged("events/s in")
        assert ["Rep", "a"] in event["headers"] and ["Rep", "b"] in event["headers"]  # type: ignore[operator]
        assert event["conn"] == booted["conn"]
        code, errors = child.stop()
    finally:
        child.cleanup()
    assert code == 0
    assert "stopped by SIGTERM" in errors
    assert AMI_SECRET not in errors


def test_redis_run_with_a_password(secret_simulator: AsteriskSimulator, tmp_path: Path) -> None:
    with running_redis(password=REDIS_PASSWORD) as server:
        path = tmp_path / "fleet.toml"
        path.write_text(
            FAST
            + '[redis]\npassword_env = "TEST_REDIS_PASSWORD"\nprefix = "cli"\n'
            + server_table(secret_simulator)
        )
        child = Child(
            ["--config", str(path), "--redis", server.url, "--id", "cli-bridge"],
            {"TEST_AMI_SECRET": AMI_SECRET, "TEST_REDIS_PASSWORD": REDIS_PASSWORD},
        )
        client = redis.Redis.from_url(
            server.url, socket_timeout=SAFETY + 5, **server.client_options()
        )
        try:
            key = streams.events_key("cli", "pbx-0")
            # The bridge's own login's events first: it is connected, then ours.
            first = client.xread({key: "0-0"}, count=1, block=int(SAFETY * 1000))
            assert first, "no entry within the safety timeout"
            send_user_event(secret_simulator, "ViaRedis")
            last = first[0][1][0][0]
            found = False
            while not found:
                reply = client.xread({key: last}, block=int(SAFETY * 1000))
                assert reply, "no entry within the safety timeout"
                for entry_id, fields in reply[0][1]:
                    last = entry_id
                    entry = streams.decode_stream_entry(fields)
                    found = found or "UserEvent: ViaRedis" in getattr(entry, "raw", "")
            assert client.get(streams.lease_key("cli", "pbx-0")) == b"cli-bridge"
            code, errors = child.stop()
            assert client.get(streams.lease_key("cli", "pbx-0")) is None
        finally:
            client.close()
            child.cleanup()
    assert code == 0
    assert REDIS_PASSWORD not in errors and AMI_SECRET not in errors
    assert f"Redis {server.url}" in errors
