"""``pystrix.agi.AGI``: a script run by Asterisk over stdin/stdout, with SIGHUP."""

from __future__ import annotations

import io
import os
import signal
import sys
from collections.abc import Iterator

import pytest

from pystrix.agi import (
    AGI,
    AGIAppError,
    AGIResultHangup,
    AGISIGHUPHangup,
    AGISIGPIPEHangup,
    core,
)

ENVIRONMENT = b"agi_request: hello.py\nagi_channel: SIP/100-1\nagi_arg_1: first\n\n"


@pytest.fixture
def sighup_restored() -> Iterator[None]:
    previous = signal.getsignal(signal.SIGHUP)
    yield
    signal.signal(signal.SIGHUP, previous)


def attach(monkeypatch: pytest.MonkeyPatch, incoming: bytes) -> io.BytesIO:
    written = io.BytesIO()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(incoming)))
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(written))
    return written


def test_commands_then_sighup(monkeypatch: pytest.MonkeyPatch, sighup_restored: None) -> None:
    written = attach(monkeypatch, ENVIRONMENT + b"200 result=1 (bar)\n200 result=0\n")
    agi = AGI()
    assert agi.get_environment()["agi_channel"] == "SIP/100-1"
    assert agi.environment.args == ("first",)
    assert agi.execute(core.GetVariable("FOO")) == "bar"
    assert agi.execute(core.Answer()) is None
    assert written.getvalue() == b"GET VARIABLE FOO\nANSWER\n"
    os.kill(os.getpid(), signal.SIGHUP)  # what Asterisk does when the caller hangs up
    with pytest.raises(AGISIGHUPHangup):
        agi.execute(core.Noop())
    assert written.getvalue() == b"GET VARIABLE FOO\nANSWER\n"  # nothing more was sent


def test_end_of_stdin_is_a_hangup(monkeypatch: pytest.MonkeyPatch, sighup_restored: None) -> None:
    attach(monkeypatch, ENVIRONMENT)
    agi = AGI()
    with pytest.raises(AGISIGPIPEHangup):
        agi.execute(core.Noop())


def test_gosub_interim_line_keeps_replies_in_step(
    monkeypatch: pytest.MonkeyPatch, sighup_restored: None
) -> None:
    # Asterisk's GOSUB writes "100 result=0 Trying..." before its real reply.
    written = attach(
        monkeypatch,
        ENVIRONMENT + b"100 result=0 Trying...\n200 result=0 Gosub complete\n200 result=1 (bar)\n",
    )
    agi = AGI()
    assert agi.execute(core.Gosub("sub", "s", 1)) is None
    assert agi.execute(core.GetVariable("FOO")) == "bar"
    assert written.getvalue() == b"GOSUB sub s 1\nGET VARIABLE FOO\n"


def test_playback_and_failure_results(
    monkeypatch: pytest.MonkeyPatch, sighup_restored: None
) -> None:
    attach(
        monkeypatch,
        ENVIRONMENT
        + b"200 result=0 endpos=16000\n"  # played to the end
        + b"200 result=50 endpos=4800\n"  # "2" pressed
        + b"200 result=-1 endpos=0\n"  # a missing file
        + b"511 Command Not Permitted on a dead channel or intercept routine\n",
    )
    agi = AGI()
    assert agi.execute(core.StreamFile("menu", "12")) is None
    assert agi.execute(core.StreamFile("menu", "12")) == ("2", 4800)
    with pytest.raises(AGIAppError):
        agi.execute(core.StreamFile("missing", "12"))
    with pytest.raises(AGIResultHangup):
        agi.execute(core.StreamFile("menu", "12"))
