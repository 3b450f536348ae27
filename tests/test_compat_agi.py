"""FastAGI programs written the pystrix 1.x way run unchanged.

Each handler below is an IVR in the style of a pystrix 1.x program: a threaded
``pystrix.agi.FastAGIServer``, handlers registered with ``re.compile`` patterns and
called as ``handler(agi, args, kwargs, match, path)``, prompts played in retry loops that
test ``if response is None``, ``except AGIAppError`` around a prompt that may be missing
and ``except AGIResultHangup`` to end the call.  The calls come from the simulator's
channel (Asterisk 22's answers) over real sockets.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import pystrix
from pystrix.agi import core
from pystrix.agi.agi_core import AGIAppError, AGIResultHangup
from pystrix.testing.agi import DEFAULT_SOUNDS, SimulatedChannel, fastagi_call

SAFETY = 10.0  # seconds before a broken test gives up instead of hanging
SOUNDS = {**DEFAULT_SOUNDS, "main-menu": 16000, "invalid": 4000, "sales": 8000}

journal: list[Any] = []  # what the handlers saw and did, in order, for the current call


def main_menu(agi: Any, args: Any, kwargs: Any, match: Any, path: Any) -> None:
    """The classic menu: play the prompt until a valid key comes, three tries at most."""
    journal.append(("called", args, kwargs, match.group(1), path))
    agi.execute(core.Answer())
    tries = 0
    while True:
        response = agi.execute(core.StreamFile(args[0], escape_digits="123"))
        if response is None:  # played to the end: nothing pressed while it played
            digit = agi.execute(core.WaitForDigit(3000))
            if digit is None or digit not in "123":
                tries += 1
                journal.append(("retry", digit))
                if tries == 3:
                    agi.execute(core.StreamFile("vm-goodbye"))
                    agi.execute(core.Hangup())
                    return
                agi.execute(core.StreamFile("invalid"))
                continue
            key, offset = digit, 0
        else:
            key, offset = response
        journal.append(("key", key, offset))
        agi.execute(core.SetVariable("MENU_CHOICE", key))
        return


def announcement(agi: Any, args: Any, kwargs: Any, match: Any, path: Any) -> None:
    """A prompt named by the dialplan may be missing: fall back to a stock one."""
    agi.execute(core.Answer())
    for prompt in (*args, "hello-world"):
        try:
            response = agi.execute(core.StreamFile(prompt, escape_digits="#"))
        except AGIAppError:  # Asterisk could not play it; the call goes on
            journal.append(("missing", prompt))
            continue
        journal.append(("played", prompt, response))
        break
    result = agi.execute(core.Exec("Playback", ("beep",)))
    journal.append(("exec", result, agi.execute(core.GetVariable("PLAYBACKSTATUS"))))


def survey(agi: Any, args: Any, kwargs: Any, match: Any, path: Any) -> None:
    """Ask until the caller leaves: only AGIResultHangup ends the loop."""
    agi.execute(core.Answer())
    try:
        while True:
            try:
                response = agi.execute(core.StreamFile("tt-monkeys", escape_digits="12"))
            except AGIAppError:
                journal.append("prompt failed")  # missing, or the caller is leaving
                continue
            journal.append(response)
            digit = agi.execute(core.SayDigits("12", escape_digits="12"))
            journal.append(digit)
    except AGIResultHangup:
        journal.append("caller gone")


def voicemail(agi: Any, args: Any, kwargs: Any, match: Any, path: Any) -> None:
    """Record until the caller hangs up: AGIResultHangup means the message is kept."""
    agi.execute(core.Answer())
    try:
        key, offset, timed_out = agi.execute(
            core.RecordFile("/tmp/message", core.FORMAT_WAV, escape_digits="#")
        )
        journal.append(("recorded", key, offset, timed_out))
    except AGIResultHangup:
        journal.append("hung up while recording")


def greeting(agi: Any, args: Any, kwargs: Any, match: Any, path: Any) -> None:
    """Query-string options with defaults, a console message and a text character."""
    lang = kwargs.get("lang", ["en"])[0]  # 1.x leaves a blank ``lang=`` out of kwargs
    agi.execute(core.Verbose(f"greeting in {lang}", core.LOG_WARN))
    response = agi.execute(core.ReceiveChar(2000))
    if response is not None:
        char, timed_out = response
        journal.append(("char", char, timed_out))
    journal.append(("lang", lang))


def fallback(agi: Any, args: Any, kwargs: Any, match: Any, path: Any) -> None:
    """The default handler: no match object."""
    journal.append(("fallback", args, match, path))


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    fagi = pystrix.agi.FastAGIServer(interface="127.0.0.1", port=0)
    fagi.register_script_handler(re.compile(r"menu/(\w+)"), main_menu)
    fagi.register_script_handler(re.compile(r"announce"), announcement)
    fagi.register_script_handler(re.compile(r"survey"), survey)
    fagi.register_script_handler(re.compile(r"voicemail"), voicemail)
    fagi.register_script_handler(re.compile(r"greet"), greeting)
    fagi.register_script_handler(None, fallback)
    thread = threading.Thread(target=fagi.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fagi
    finally:
        fagi.shutdown()
        fagi.server_close()
        thread.join()


def place(server: Any, script: str, args: list[str], **channel: Any) -> Any:
    journal.clear()
    simulated = SimulatedChannel(sounds=dict(SOUNDS), **channel)
    port = server.server_address[1]
    record = fastagi_call("127.0.0.1", port, script, args, channel=simulated, timeout=SAFETY)
    assert record.ended_by == "server"
    return record


def test_menu_retry_loop_until_a_valid_key(server: Any) -> None:
    # "9" is no escape digit: the prompt plays to the end and WAIT FOR DIGIT takes it.
    record = place(server, "menu/sales?lang=en", ["main-menu"], digits=["9", "2"])
    assert journal == [
        ("called", ("main-menu",), {"lang": ["en"]}, "sales", "menu/sales"),
        ("retry", "9"),
        ("key", "2", 8000),
    ]
    assert record.channel.variables["MENU_CHOICE"] == "2"


def test_menu_gives_up_after_three_tries(server: Any) -> None:
    record = place(server, "menu/support", ["main-menu"])
    assert journal[1:] == [("retry", None)] * 3
    assert record.commands[-2:] == ['STREAM FILE vm-goodbye ""', "HANGUP"]


def test_a_missing_prompt_is_an_app_error_and_the_call_goes_on(server: Any) -> None:
    place(server, "announce", ["no-such-prompt", "sales"], digits=["#"])
    assert journal == [
        ("missing", "no-such-prompt"),
        ("played", "sales", ("#", 4000)),
        ("exec", "0", "SUCCESS"),  # 1.x: Exec gives the application's value as text
    ]


def test_only_a_hang_up_ends_the_survey(server: Any) -> None:
    # ANSWER, STREAM FILE, SAY DIGITS, then the caller hangs up during the second prompt:
    # Asterisk's -1 is an AGIAppError, the 511 that follows an AGIResultHangup.
    record = place(server, "survey", [], digits=["1", "2"], hangup_at=4)
    assert journal == [("1", 40000), "2", "prompt failed", "caller gone"]
    assert record.replies[-1] == [
        "511 Command Not Permitted on a dead channel or intercept routine"
    ]


def test_a_hang_up_while_recording_keeps_the_message(server: Any) -> None:
    record = place(server, "voicemail", [], hangup_at=2)
    assert journal == ["hung up while recording"]
    assert record.replies[-1] == ["200 result=-1 (hangup) endpos=0", "HANGUP"]
    place(server, "voicemail", [], digits=["#"])
    assert journal == [("recorded", "#", 4000, False)]


def test_a_recording_that_ends_without_a_key(server: Any) -> None:
    place(server, "voicemail", [])
    assert journal == [("recorded", "", 8000, True)]  # 1.x: an empty key, not None


def test_query_defaults_levels_and_a_received_character(server: Any) -> None:
    record = place(server, "greet?lang=&x=1", [], digits=["y"])
    assert journal == [("char", "y", False), ("lang", "en")]
    assert record.commands[0] == 'VERBOSE "greeting in en" 2'  # LOG_WARN is 2 in 1.x
    place(server, "greet?lang=fr", [])
    assert journal == [("lang", "fr")]  # no character came: None


def test_the_1x_module_paths_and_names() -> None:
    # A fresh interpreter: nothing imported beforehand, as in a 1.x program.
    program = """
import pystrix
from pystrix.agi.agi import AGI, AGIHangup, AGIAppError, AGIResultHangup, quote
from pystrix.agi.fastagi import FastAGI, FastAGIServer, AGISIGPIPEHangup, AGIDeadChannelError
from pystrix.agi.core import AGIDBError, LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_CRITICAL
assert pystrix.agi.agi_core.AGIHangup is pystrix.agi.AGIHangup is AGIHangup
assert pystrix.agi.fastagi.AGIAppError is pystrix.agi.core.AGIAppError is AGIAppError
assert issubclass(AGIDeadChannelError, pystrix.agi.agi.AGIError)
assert issubclass(AGIDBError, AGIAppError) and issubclass(AGISIGPIPEHangup, AGIHangup)
assert (LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_CRITICAL) == (0, 1, 2, 3, 4)
from pystrix.agi.core import quote as core_quote
from pystrix.agi.fastagi import parse_qs
assert core_quote("two words") == '"two words"' and parse_qs("a=1") == {"a": ["1"]}
assert FastAGIServer.get_somaxconn() > 0
print("ok")
"""
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60
    )
    assert done.stdout == "ok\n", done.stderr


def test_handler_lookup_and_the_default_handler(server: Any) -> None:
    place(server, "unknown/path", ["a", "b"])
    assert journal == [("fallback", ("a", "b"), None, "unknown/path")]
    handler, match = server.get_script_handler("menu/billing")
    assert handler is main_menu and match.group(1) == "billing"
    assert server.get_script_handler("nothing") == (fallback, None)
