"""The pystrix command: demo, sim, action and events, run as the real command.

Each failure case checks the one line on stderr and the documented exit status (see
``pystrix.cli``).  Every server is on 127.0.0.1 and a free port; the subprocess timeouts
are hang guards only.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

import pystrix
from pystrix import cli
from pystrix.ami import Manager, core
from pystrix.cli import main
from pystrix.testing import AsteriskSimulator
from scripted_server import Peer, ScriptedServer

GUARD = 120  # seconds: a hang guard for the child processes, never a measure

#: The documented exit statuses.
OK, FAILED, USAGE, CONNECTION, AUTH, INTERRUPTED = 0, 1, 2, 3, 4, 130


def _env(**extra: str) -> dict[str, str]:
    """This process's environment without any PYSTRIX_* variable, plus ``extra``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYSTRIX_")}
    return {**env, **extra}


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pystrix", *args]


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _command(*args),
        capture_output=True,
        text=True,
        timeout=GUARD,
        check=False,
        env=_env() if env is None else env,
        stdin=subprocess.DEVNULL,
    )


def _popen(command: Sequence[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    # A child inherits an ignored SIGINT (a background job's); let it see SIGINT as a user's
    # terminal would deliver it, whatever started the test run.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen(
            list(command),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=_env() if env is None else env,
        )
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def _started(*args: str, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[str]]:
    """``pystrix ARGS`` running; killed on the way out if the test did not end it."""
    process = _popen(_command(*args), env)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=GUARD)


def _finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    """Wait for the child's end: (exit status, stderr)."""
    _, err = process.communicate(timeout=GUARD)
    return process.returncode, err


def _read_line(process: subprocess.Popen[str]) -> str:
    """One line of the child's output; fails instead of hanging if none comes."""
    lines: list[str] = []
    done = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        lines.append(process.stdout.readline())
        done.set()

    threading.Thread(target=read, daemon=True).start()
    assert done.wait(GUARD), "the child printed nothing"
    return lines[0]


def _one_line(stderr: str, *fragments: str) -> str:
    """``stderr`` is exactly one ``pystrix: ...`` line holding every fragment."""
    assert stderr.endswith("\n") and stderr.count("\n") == 1, stderr
    assert stderr.startswith("pystrix: "), stderr
    for fragment in fragments:
        assert fragment in stderr, stderr
    return stderr


def _connection_args(simulator: AsteriskSimulator) -> list[str]:
    return ["--host", simulator.host, "--port", str(simulator.port)]


def _listening_port(line: str) -> int:
    assert line.startswith("pystrix simulator listening on 127.0.0.1:"), line
    return int(line.rsplit(":", 1)[1])


@contextmanager
def _closed_port() -> Iterator[int]:
    """A loopback port bound but not listening: a connection there is refused."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        yield holder.getsockname()[1]


@contextmanager
def _unanswered_port() -> Iterator[int]:
    """A loopback port whose SYNs go unanswered, like an unreachable host's.

    A listener with a backlog of 0 that never accepts: once its queue is full, the kernel
    drops new SYNs, so a connection attempt waits until its own timeout.
    """
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers: list[socket.socket] = []
        try:
            for _ in range(8):  # until an attempt finds the queue full
                filler = socket.socket()
                fillers.append(filler)
                filler.settimeout(0.5)
                try:
                    filler.connect(("127.0.0.1", port))
                except OSError:
                    break
            yield port
        finally:
            for filler in fillers:
                filler.close()


def _mute(peer: Peer) -> None:
    """Read everything, answer nothing."""
    while peer.read_message() is not None:
        pass


@pytest.fixture
def silent_server() -> Iterator[ScriptedServer]:
    """Accepts connections and never sends the banner."""
    with ScriptedServer(_mute, banner=b"") as server:
        yield server


# -- demo, --version, help ------------------------------------------------------------------


def test_demo_runs_the_seed_flow_and_exits_zero() -> None:
    done = _run("demo")
    assert done.returncode == OK, done.stderr
    out = done.stdout
    for kind in ("string", "regex", "class"):
        assert out.count(f"Received {kind} event: FullyBooted") == 1
    assert "Logged in with an MD5 key" in out
    assert "Ping: Pong" in out
    assert "Received Shutdown" in out
    assert out.rstrip().endswith("Demo finished")


def test_version_prints_the_package_version() -> None:
    done = _run("--version")
    assert (done.returncode, done.stdout, done.stderr) == (
        OK,
        f"pystrix {pystrix.__version__}\n",
        "",
    )


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(commands.choices)


@pytest.mark.parametrize("command", ["demo", "sim", "action", "events", "fastagi"])
def test_every_subcommand_has_a_description_and_the_exit_statuses(command: str) -> None:
    subparser = _subcommands()[command]
    assert subparser.description and len(subparser.description) > 40
    done = _run(command, "--help")
    assert done.returncode == OK, done.stderr
    first_words = " ".join(subparser.description.split()[:4])
    assert first_words in " ".join(done.stdout.split())
    assert "exit status:" in done.stdout and "130" in done.stdout


def test_the_main_help_lists_every_command_and_the_exit_statuses() -> None:
    done = _run("--help")
    assert done.returncode == OK
    for command in ("demo", "sim", "action", "events", "fastagi", "bridge", "--version"):
        assert command in done.stdout
    assert "exit status:" in done.stdout and "PYSTRIX_SECRET" in done.stdout
    assert set(_subcommands()) == {"demo", "sim", "action", "events", "fastagi", "bridge"}


def test_the_parser_is_available_under_both_names() -> None:
    # The documentation's CLI reference is generated from these.
    assert cli._build_parser is cli.build_parser
    for subparser in _subcommands().values():
        assert subparser.format_help().startswith("usage: pystrix ")


# -- sim and action share their defaults -------------------------------------------------


def test_sim_and_the_clients_share_their_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PYSTRIX_HOST", "PYSTRIX_PORT", "PYSTRIX_USERNAME", "PYSTRIX_SECRET"):
        monkeypatch.delenv(name, raising=False)
    fields = ("host", "port", "username", "secret")
    server = cli.parse_args(["sim"])
    for client in (cli.parse_args(["action", "Ping"]), cli.parse_args(["events"])):
        assert [getattr(client, f) for f in fields] == [getattr(server, f) for f in fields]
    assert [getattr(server, f) for f in fields] == ["127.0.0.1", 5038, "admin", "wordpass"]
    # The environment moves both alike; an empty variable counts as unset.
    monkeypatch.setenv("PYSTRIX_PORT", "6000")
    monkeypatch.setenv("PYSTRIX_SECRET", "")
    assert cli.parse_args(["sim"]).port == cli.parse_args(["action", "Ping"]).port == 6000
    assert cli.parse_args(["action", "Ping"]).secret == "wordpass"


def test_action_reaches_sim_with_no_options() -> None:
    # Both run with no option; PYSTRIX_PORT (0: any free port for sim) keeps the test
    # off the real default port, which the unit test above shows both default to.
    with _started("sim", env=_env(PYSTRIX_PORT="0")) as sim:
        port = _listening_port(_read_line(sim))
        assert _read_line(sim) == "account: username admin, secret wordpass (every permission)\n"
        hint = _read_line(sim)
        assert hint == f"try: pystrix action --port {port} Ping\n"

        done = _run("action", "Ping", env=_env(PYSTRIX_PORT=str(port)))
        assert (done.returncode, done.stderr) == (OK, "")
        assert "Response: Success" in done.stdout and "Ping: Pong" in done.stdout

        # The command sim suggests works as printed.
        words = shlex.split(hint.removeprefix("try: "))
        assert words[0] == "pystrix"
        done = _run(*words[1:])
        assert (done.returncode, done.stderr) == (OK, ""), done.stderr
        assert "Ping: Pong" in done.stdout

        sim.send_signal(signal.SIGINT)  # Ctrl-C in sim: a normal stop
        code, err = _finish(sim)
    assert code == OK
    _one_line(err, "simulator stopped by SIGINT")


def test_sim_verbose_prints_each_session_and_action() -> None:
    with _started("sim", "--port", "0", "-v", "--secret", "s3cret") as sim:
        port = _listening_port(_read_line(sim))
        manager = Manager()
        try:
            manager.connect("127.0.0.1", port)
            manager.send_action(core.Login("admin", "s3cret"))
            manager.send_action(core.Ping())
        finally:
            manager.close()
        lines = []
        while not (line := _read_line(sim)).startswith("session 1: closed"):
            assert line, "sim ended early"
            lines.append(line)
        sim.send_signal(signal.SIGTERM)
        code, err = _finish(sim)
    assert code == OK
    _one_line(err, "simulator stopped by SIGTERM")
    assert lines[:2] == [
        "account: username admin, secret s3cret (every permission)\n",
        f"try: pystrix action --port {port} --secret s3cret Ping\n",
    ]
    sessions = lines[2:]
    assert sessions[0].startswith("session 1: opened from 127.0.0.1:")
    assert sessions[1:] == [
        "session 1: Login as 'admin' -> Success (Authentication accepted)\n",
        "session 1: Ping -> Success\n",
    ]


def test_python_m_pystrix_testing_is_pystrix_sim() -> None:
    module = subprocess.run(
        [sys.executable, "-m", "pystrix.testing", "--help"],
        capture_output=True,
        text=True,
        timeout=GUARD,
        check=False,
    )
    assert module.returncode == OK
    assert module.stdout == _run("sim", "--help").stdout
    process = _popen([sys.executable, "-m", "pystrix.testing", "--port", "0"], _env())
    try:
        _listening_port(_read_line(process))
        process.send_signal(signal.SIGINT)
        code, err = _finish(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=GUARD)
    assert code == OK
    _one_line(err, "simulator stopped by SIGINT")


# -- the failures: one line on stderr, a documented status ----------------------------------


def test_sim_on_a_busy_port() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = _run("sim", "--port", str(port))
    assert done.returncode == CONNECTION
    _one_line(done.stderr, f"cannot listen on 127.0.0.1:{port}: ")
    assert done.stdout == ""


@pytest.mark.parametrize("command", ["action", "events"])
def test_a_refused_connection(command: str) -> None:
    with _closed_port() as port:
        done = _run(command, "--port", str(port), *(["Ping"] if command == "action" else []))
    assert done.returncode == CONNECTION
    _one_line(done.stderr, f"cannot connect to 127.0.0.1:{port}")


@pytest.mark.parametrize("command", ["action", "events"])
def test_a_wrong_login_is_reported_once(simulator: AsteriskSimulator, command: str) -> None:
    args = [*_connection_args(simulator), "--secret", "wrong"]
    done = _run(command, *args, *(["Ping"] if command == "action" else []))
    assert done.returncode == AUTH
    address = f"{simulator.host}:{simulator.port}"
    expected = f"pystrix: login refused for user 'admin' at {address}: Authentication failed\n"
    assert done.stderr == expected  # once: nothing from the connection's end follows
    assert done.stdout == ""


def test_a_missing_ca_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.pem"
    done = _run("action", "--tls", "--cafile", str(missing), "Ping")
    assert done.returncode == USAGE
    _one_line(done.stderr, f"cannot read the CA file {missing}")


def test_an_unreachable_host_times_out() -> None:
    with _unanswered_port() as port:
        done = _run("action", "--port", str(port), "--timeout", "0.5", "Ping")
    assert done.returncode == CONNECTION
    _one_line(done.stderr, "timed out", f"127.0.0.1:{port}")


@pytest.mark.parametrize("banner", [b"", b"Asterisk Call Manager/11.0.0\r\n"])
def test_the_timeout_bounds_the_banner_and_the_login(banner: bytes) -> None:
    # No banner ever, or a banner and then no answer to the login: both are the connect.
    with ScriptedServer(_mute, banner=banner) as server:
        done = _run("action", "--port", str(server.port), "--timeout", "0.5", "Ping")
    assert done.returncode == CONNECTION
    _one_line(done.stderr, "timed out", f"127.0.0.1:{server.port}")


@pytest.mark.parametrize("value", ["-1", "0", "nan", "soon"])
def test_the_timeout_must_be_positive(value: str) -> None:
    done = _run("action", f"--timeout={value}", "Ping")
    assert done.returncode == USAGE
    assert "argument --timeout" in done.stderr and "Traceback" not in done.stderr
    done = _run("events", "--timeout", value)
    assert done.returncode == USAGE and "argument --timeout" in done.stderr


def test_tls_defaults_the_port_to_5039(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYSTRIX_PORT", raising=False)
    assert cli.parse_args(["action", "--tls", "Ping"]).port == 5039
    assert cli.parse_args(["events", "--cafile", "ca.pem"]).port == 5039
    assert cli.parse_args(["action", "--tls", "--port", "6000", "Ping"]).port == 6000
    assert cli.parse_args(["action", "Ping"]).port == 5038
    # The real command: whatever answers (or not) on 127.0.0.1:5039, it is 5039 it tried.
    done = _run("action", "--tls", "--timeout", "2", "Ping")
    assert done.returncode == CONNECTION
    _one_line(done.stderr, "127.0.0.1:5039")


def test_a_bad_port_in_the_environment_is_a_usage_error() -> None:
    done = _run("action", "Ping", env=_env(PYSTRIX_PORT="not-a-port"))
    assert done.returncode == USAGE and "PYSTRIX_PORT" in done.stderr


@pytest.mark.parametrize("command", ["action", "events"])
def test_ctrl_c_while_connecting(silent_server: ScriptedServer, command: str) -> None:
    args = ["--port", str(silent_server.port), "--timeout", str(GUARD)]
    with _started(command, *args, *(["Ping"] if command == "action" else [])) as process:
        # Once the server holds its connection, the command is waiting for the banner.
        for _ in range(GUARD * 10):
            if silent_server.peers or process.poll() is not None:
                break
            threading.Event().wait(0.1)
        assert silent_server.peers, "the command never connected"
        process.send_signal(signal.SIGINT)
        code, err = _finish(process)
    assert code == INTERRUPTED
    assert err == "pystrix: interrupted\n"


# -- action ---------------------------------------------------------------------------------


def test_action_prints_the_response(
    simulator: AsteriskSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["action", *_connection_args(simulator), "--secret", "wordpass", "Ping"])
    assert code == OK
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
    assert code == OK
    document = json.loads(capsys.readouterr().out)
    assert document["success"] is True
    assert document["response"]["EventList"] == "start"
    assert document["events"][-1]["Event"] == "CoreShowChannelsComplete"


def test_action_with_headers_and_an_error_answer(
    simulator: AsteriskSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _connection_args(simulator)
    assert main(["action", *args, "Setvar", "Variable=X", "Value=1"]) == OK
    capsys.readouterr()
    assert main(["action", *args, "--json", "Getvar", "Variable=X"]) == OK
    assert json.loads(capsys.readouterr().out)["response"]["Value"] == "1"
    assert main(["action", *args, "DBGet", "Family=f", "Key=k"]) == FAILED
    captured = capsys.readouterr()
    assert "Response: Error" in captured.out
    _one_line(captured.err, "DBGet failed: Database entry not found")


def test_action_usage_errors(
    simulator: AsteriskSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    args = _connection_args(simulator)
    assert main(["action", *args, "Ping", "NoEqualsSign"]) == USAGE
    _one_line(capsys.readouterr().err, "Key=Value")
    assert main(["action", *args, "Bad\r\nAction"]) == USAGE
    _one_line(capsys.readouterr().err, "nothing was sent")
    assert main(["action", *args, "--secret", "wrong", "Ping"]) == AUTH
    _one_line(capsys.readouterr().err, "Authentication failed")


# -- events ---------------------------------------------------------------------------------


@contextmanager
def _watcher(simulator: AsteriskSimulator) -> Iterator[tuple[Manager, threading.Semaphore]]:
    """A logged-in Manager that counts the logins it hears of (every session with
    security read hears each login, its own included)."""
    logins = threading.Semaphore(0)
    watcher = Manager()
    watcher.register_callback("SuccessfulAuth", lambda event, manager: logins.release())
    try:
        watcher.connect(simulator.host, simulator.port)
        watcher.send_action(core.Login("admin", "wordpass"))
        assert logins.acquire(timeout=GUARD)
        yield watcher, logins
    finally:
        watcher.close()


def test_events_prints_json_lines_until_interrupted(simulator: AsteriskSimulator) -> None:
    with _watcher(simulator) as (watcher, logins):
        args = ["events", *_connection_args(simulator), "--json", "--filter", "UserEvent"]
        with _started(*args, env=_env(PYSTRIX_SECRET="wordpass")) as process:
            assert logins.acquire(timeout=GUARD), "the events command never logged in"
            watcher.send_action(core.UserEvent("FromTest", Key="value"))
            event = json.loads(_read_line(process))
            assert event["Event"] == "UserEvent"
            assert event["UserEvent"] == "FromTest"
            assert event["Key"] == "value"
            process.send_signal(signal.SIGINT)  # Ctrl-C while waiting for events
            code, err = _finish(process)
    assert code == OK
    assert err == "pystrix: stopped by SIGINT after 1 event(s)\n"


def test_events_filter_takes_several_shell_patterns(simulator: AsteriskSimulator) -> None:
    with _watcher(simulator) as (watcher, logins):
        # FullyBooted and SuccessfulAuth reach the command as it logs in; only the first
        # matches a pattern.  Case is ignored.
        patterns = ["--filter", "user*", "--filter", "Fully*", "NoSuch?Event"]
        args = ["events", *_connection_args(simulator), "--json", *patterns]
        with _started(*args) as process:
            assert logins.acquire(timeout=GUARD), "the events command never logged in"
            watcher.send_action(core.UserEvent("FromTest"))
            names = [json.loads(_read_line(process))["Event"] for _ in range(2)]
            process.send_signal(signal.SIGTERM)
            code, err = _finish(process)
    assert names == ["FullyBooted", "UserEvent"]
    assert code == OK
    assert err == "pystrix: stopped by SIGTERM after 2 event(s)\n"


def test_events_ends_when_the_connection_does() -> None:
    with AsteriskSimulator(auth_failure_delay=0.01) as simulator:
        args = ["events", *_connection_args(simulator), "--filter", "Shutdown"]
        with _watcher(simulator) as (_, logins), _started(*args) as process:
            assert logins.acquire(timeout=GUARD), "the events command never logged in"
            simulator.stop()
            assert _read_line(process) == "Event: Shutdown\n"
            code, err = _finish(process)
    assert code == CONNECTION
    _one_line(err, "connection lost", f"127.0.0.1:{simulator.port}")
