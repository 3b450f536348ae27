"""The simulator's AGI side: a simulated Asterisk channel that runs a FastAGI script.

:func:`fastagi_call` connects to a FastAGI server as Asterisk 22 does for
``AGI(agi://host:port/script?query,arg1,arg2)``: it sends the environment block recorded in
transcript 22 (with this call's channel, script and arguments), then answers each command
as the recorded Asterisk does (``200 result=...``, ``510`` for an unknown command, the
``520`` usage block for wrong arguments, ``HANGUP`` then ``511`` once the channel is gone)
until the server closes the connection.  :func:`fastagi_calls` runs many at once.

As in Asterisk 22, GOSUB answers ``100 result=0 Trying...`` before its ``200``; GET
VARIABLE knows the built-ins (``EXTEN``, ``CONTEXT``, ``PRIORITY``, ``CHANNEL``,
``UNIQUEID``) and ``CALLERID(num|name|all)``; GET FULL VARIABLE expands nested ``${...}``
expressions with substrings; EXEC runs the common applications (Answer, Hangup, Set,
Goto, Playback, Background, Dial, Read, Record, Wait, NoOp...) with their effect on the
channel and answers ``-2`` for the others; a caller hanging up during RECORD FILE gets
``200 result=-1 (hangup) endpos=...``.  A key the caller presses waits for the first
command that listens for it (one that it can interrupt, or that waits for any key).

:class:`ChannelResponder` is the I/O-free part (command line in, reply lines out); the AMI
simulator's AsyncAGI uses it too.  A :class:`SimulatedChannel` says what the channel
holds: variables, the sound files that exist, DTMF keys the caller will press, and
when it hangs up or the connection breaks::

    from pystrix.testing.agi import SimulatedChannel, fastagi_call

    record = fastagi_call("127.0.0.1", server.port, "hello",
                          channel=SimulatedChannel(digits=["1"], hangup_at=3))
    assert record.ended_by == "server"
"""

from __future__ import annotations

import contextlib
import itertools
import re
import socket
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ..agi.protocol import split_command

__all__ = [
    "DEAD_CHANNEL",
    "DEFAULT_SOUNDS",
    "RECORDED_ENVIRONMENT",
    "AsyncAGIService",
    "CallRecord",
    "ChannelResponder",
    "SimulatedChannel",
    "fastagi_call",
    "fastagi_calls",
]

#: The environment block of transcript 22, in Asterisk's order.
RECORDED_ENVIRONMENT: tuple[tuple[str, str], ...] = (
    ("agi_network", "yes"),
    ("agi_network_script", "hello"),
    ("agi_request", "agi://127.0.0.1:4573/hello"),
    ("agi_channel", "Local/300@test-0000000c;2"),
    ("agi_language", "en"),
    ("agi_type", "Local"),
    ("agi_uniqueid", "1795754811.26"),
    ("agi_version", "22.10.1"),
    ("agi_callerid", "unknown"),
    ("agi_calleridname", "unknown"),
    ("agi_callingpres", "67"),
    ("agi_callingani2", "0"),
    ("agi_callington", "0"),
    ("agi_callingtns", "0"),
    ("agi_dnid", "unknown"),
    ("agi_rdnis", "unknown"),
    ("agi_context", "test"),
    ("agi_extension", "300"),
    ("agi_priority", "1"),
    ("agi_enhanced", "0.0"),
    ("agi_accountcode", ""),
    ("agi_threadid", "140165738493632"),
)

DEAD_CHANNEL = "511 Command Not Permitted on a dead channel or intercept routine"
_INVALID = "510 Invalid or unknown command"
_USAGE_HEAD = "520-Invalid command syntax.  Proper usage follows:"
_USAGE_END = "520 End of proper usage."
# Asterisk's own usage text for GET VARIABLE, as recorded; other commands get their
# documented syntax line.
_RECORDED_USAGE = {
    "get variable": (
        "Returns <literal>0</literal> if <replaceable>variablename</replaceable> is not set. "
        "Returns <literal>1</literal> if <replaceable>variablename</replaceable> is set and "
        "returns the variable in parentheses.\n"
        "Example return code: 200 result=1 (testvariable)"
    )
}

# command -> (syntax, fewest arguments, most arguments or None, runs on a dead channel)
_COMMANDS: dict[str, tuple[str, int, int | None, bool]] = {
    "answer": ("answer", 0, 0, False),
    "asyncagi break": ("asyncagi break", 0, 0, True),
    "channel status": ("channel status [<channelname>]", 0, 1, False),
    "database del": ("database del <family> <key>", 2, 2, True),
    "database deltree": ("database deltree <family> [<keytree>]", 1, 2, True),
    "database get": ("database get <family> <key>", 2, 2, True),
    "database put": ("database put <family> <key> <value>", 3, 3, True),
    "exec": ("exec <application> <options>", 1, None, True),
    "get data": ("get data <file> [<timeout>] [<maxdigits>]", 1, 3, False),
    "get full variable": ("get full variable <expression> [<channelname>]", 1, 2, True),
    "get option": ("get option <filename> <escape_digits> [<timeout>]", 2, 3, False),
    "get variable": ("get variable <variablename>", 1, 1, True),
    "hangup": ("hangup [<channelname>]", 0, 1, False),
    "noop": ("noop", 0, None, True),
    "receive char": ("receive char <timeout>", 1, 1, False),
    "receive text": ("receive text <timeout>", 1, 1, False),
    "record file": (
        "record file <filename> <format> <escape_digits> <timeout> [<offset_samples>] "
        "[<beep>] [<s=silence>]",
        4,
        7,
        False,
    ),
    "say alpha": ("say alpha <number> <escape_digits>", 2, 2, False),
    "say digits": ("say digits <number> <escape_digits>", 2, 2, False),
    "say number": ("say number <number> <escape_digits> [<gender>]", 2, 3, False),
    "say phonetic": ("say phonetic <string> <escape_digits>", 2, 2, False),
    "say date": ("say date <date> <escape_digits>", 2, 2, False),
    "say time": ("say time <time> <escape_digits>", 2, 2, False),
    "say datetime": ("say datetime <time> <escape_digits> [<format>] [<timezone>]", 2, 4, False),
    "send image": ("send image <image>", 1, 1, False),
    "send text": ("send text <text to send>", 1, 1, False),
    "set autohangup": ("set autohangup <time>", 1, 1, False),
    "set callerid": ("set callerid <number>", 1, 1, False),
    "set context": ("set context <desired context>", 1, 1, False),
    "set extension": ("set extension <new extension>", 1, 1, False),
    "set music": ("set music {on|off} <class>", 1, 2, False),
    "set priority": ("set priority <priority>", 1, 1, False),
    "set variable": ("set variable <variablename> <value>", 2, 2, True),
    "stream file": ("stream file <filename> <escape_digits> [<sample offset>]", 2, 3, False),
    "control stream file": (
        "control stream file <filename> <escape_digits> [<skipms>] [<ffchar>] [<rewchr>] "
        "[<pausechr>] [<offsetms>]",
        2,
        7,
        False,
    ),
    "tdd mode": ("tdd mode {on|off}", 1, 1, False),
    "verbose": ("verbose <message> <level>", 1, 2, True),
    "wait for digit": ("wait for digit <timeout>", 1, 1, False),
    "speech create": ("speech create <engine>", 1, 1, False),
    "speech set": ("speech set <name> <value>", 2, 2, False),
    "speech destroy": ("speech destroy", 0, 0, True),
    "speech load grammar": ("speech load grammar <grammar name> <path to grammar>", 2, 2, False),
    "speech unload grammar": ("speech unload grammar <grammar name>", 1, 1, True),
    "speech activate grammar": ("speech activate grammar <grammar name>", 1, 1, False),
    "speech deactivate grammar": ("speech deactivate grammar <grammar name>", 1, 1, False),
    "speech recognize": ("speech recognize <prompt> <timeout> [<offset>]", 2, 3, False),
    "gosub": (
        "gosub <context> <extension> <priority> [<optional-argument>]",
        3,
        4,
        False,
    ),
}
_LONGEST = max(len(name.split()) for name in _COMMANDS)
# Applications that run, do nothing the simulation can see and return 0.
_QUIET_APPLICATIONS = frozenset(
    {
        "noop",
        "verbose",
        "log",
        "wait",
        "waitexten",
        "ringing",
        "progress",
        "playtones",
        "stopplaytones",
        "senddtmf",
        "startmusiconhold",
        "stopmusiconhold",
        "mixmonitor",
        "stopmixmonitor",
        "userevent",
        "saydigits",
        "saynumber",
        "sayalpha",
        "sayphonetic",
    }
)
# ... and those the simulated channel acts on (see ChannelResponder._exec).
_APPLICATIONS = _QUIET_APPLICATIONS | {
    "answer",
    "hangup",
    "set",
    "goto",
    "playback",
    "background",
    "dial",
    "read",
    "record",
    "system",
}
#: Sound files the simulated Asterisk has, with their length in samples (8 kHz).
DEFAULT_SOUNDS: dict[str, int] = {
    "beep": 2000,
    "hello-world": 12000,
    "demo-congrats": 48000,
    "vm-goodbye": 6000,
    "tt-monkeys": 80000,
}
_FUNCTION = re.compile(r"([A-Za-z_]+)\((.*)\)")
_CALLERID = re.compile(r'\s*"?([^"<]*?)"?\s*<([^>]*)>\s*')
_counter = itertools.count(0x0C)


@dataclass
class SimulatedChannel:
    """What a simulated channel holds and how its caller behaves.

    * ``digits``: DTMF keys the caller presses, consumed by the commands that listen
      (STREAM FILE and the SAY commands take one if it is among their escape digits).
    * ``sounds``: the sound files that exist (``name -> length in samples``).
    * ``hangup_at``: the caller hangs up during the Nth command (1-based): that command
      answers as Asterisk 22 does (``200 result=-1``, with ``endpos=0`` for the playback
      commands and ``(hangup) endpos=0`` for RECORD FILE; its usual answer if it runs on
      dead channels), then ``HANGUP`` follows and later commands that need a live channel
      get 511.
    * ``drop_at``: the connection breaks when the Nth command arrives (no reply).
    * ``texts``: text messages RECEIVE TEXT returns; ``speech``: phrases SPEECH
      RECOGNIZE returns.
    * ``callerid_num``, ``callerid_name``: ``CALLERID(num)`` and ``CALLERID(name)`` (the
      environment says ``unknown`` for an empty one, as Asterisk does).
    * ``dial_status``: the ``DIALSTATUS`` an ``EXEC Dial`` leaves (``ANSWER``, ``BUSY``,
      ``NOANSWER``, ``CHANUNAVAIL``...).
    """

    name: str = "Local/300@test-0000000c;2"
    uniqueid: str = "1795754811.26"
    context: str = "test"
    extension: str = "300"
    priority: int = 1
    language: str = "en"
    variables: dict[str, str] = field(default_factory=lambda: {"FOO": "from-originate"})
    sounds: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_SOUNDS))
    digits: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    speech: list[str] = field(default_factory=list)
    database: dict[str, str] = field(default_factory=dict)
    callerid_num: str = ""
    callerid_name: str = ""
    dial_status: str = "ANSWER"
    hangup_at: int | None = None
    drop_at: int | None = None
    answered: bool = False
    hungup: bool = False

    @classmethod
    def numbered(cls, number: int, **options: object) -> SimulatedChannel:
        """A channel named and identified after ``number`` (for many calls at once)."""
        channel = cls(
            name=f"Local/300@test-{number:08x};2",
            uniqueid=f"1795754811.{number}",
        )
        for key, value in options.items():
            setattr(channel, key, value)
        return channel


class ChannelResponder:
    """Answers AGI command lines for one :class:`SimulatedChannel`, as Asterisk 22 does.

    :meth:`respond` takes one command line (no newline) and returns the reply lines
    (``HANGUP`` included when the channel hangs up), or ``None`` when the connection must
    break (``drop_at``).  ``commands`` logs every line received.
    """

    def __init__(self, channel: SimulatedChannel | None = None) -> None:
        self.channel = channel if channel is not None else SimulatedChannel()
        self.commands: list[str] = []
        self._speech_created = False

    # -- environment -----------------------------------------------------------------

    def environment(
        self,
        script: str = "hello",
        args: Sequence[str] = (),
        host: str = "127.0.0.1",
        port: int = 4573,
    ) -> bytes:
        """The environment block for a call to ``agi://host:port/script``."""
        channel = self.channel
        values = dict(RECORDED_ENVIRONMENT)
        values.update(
            agi_network_script=script,
            agi_request=f"agi://{host}:{port}/{script}",
            agi_channel=channel.name,
            agi_uniqueid=channel.uniqueid,
            agi_context=channel.context,
            agi_extension=channel.extension,
            agi_priority=str(channel.priority),
            agi_language=channel.language,
            agi_callerid=channel.callerid_num or "unknown",
            agi_calleridname=channel.callerid_name or "unknown",
            agi_threadid=str(threading.get_ident()),
        )
        lines = [f"{key}: {value}" for key, value in values.items()]
        lines += [f"agi_arg_{index}: {value}" for index, value in enumerate(args, 1)]
        return ("\n".join(lines) + "\n\n").encode("utf-8")

    # -- commands --------------------------------------------------------------------

    def respond(self, line: str) -> list[str] | None:
        """The reply lines for ``line``; ``None`` to break the connection."""
        self.commands.append(line)
        number = len(self.commands)
        channel = self.channel
        if channel.drop_at is not None and number >= channel.drop_at:
            return None
        words = split_command(line)
        name, arguments = self._find(words)
        if name is None:
            return [_INVALID]
        syntax, fewest, most, dead_ok = _COMMANDS[name]
        if len(arguments) < fewest or (most is not None and len(arguments) > most):
            usage = _RECORDED_USAGE.get(name, f"Usage: {syntax}")
            return [_USAGE_HEAD, *usage.split("\n"), _USAGE_END]
        if channel.hungup and not dead_ok:
            return [DEAD_CHANNEL]
        hangs_up_now = channel.hangup_at is not None and number >= channel.hangup_at
        if hangs_up_now and not channel.hungup and not dead_ok:
            channel.hungup = True
            return [_HANGUP_REPLIES.get(name, "200 result=-1"), "HANGUP"]
        was_up = not channel.hungup
        answer = self._run(name, arguments)
        lines = [answer] if isinstance(answer, str) else answer
        if hangs_up_now:
            channel.hungup = True
        if was_up and channel.hungup:
            lines.append("HANGUP")  # Asterisk tells a network script right after the reply
        return lines

    @staticmethod
    def _find(words: list[str]) -> tuple[str | None, list[str]]:
        lowered = [word.lower() for word in words]
        for size in range(min(_LONGEST, len(words)), 0, -1):
            name = " ".join(lowered[:size])
            if name in _COMMANDS:
                return name, words[size:]
        return None, []

    def _press(self, escape_digits: str) -> str | None:
        """The caller's next key, if it is one that interrupts (it is consumed)."""
        digits = self.channel.digits
        if digits and digits[0] in escape_digits:
            return digits.pop(0)
        return None

    def _key(self) -> str | None:
        digits = self.channel.digits
        return digits.pop(0) if digits else None

    def value(self, name: str) -> str | None:
        """A variable, built-in (``EXTEN``, ``CONTEXT``...) or function value on this
        channel, as GET VARIABLE reads it (``None`` if unset)."""
        channel = self.channel
        match = _FUNCTION.fullmatch(name)
        if match is None:
            builtin = {
                "EXTEN": channel.extension,
                "CONTEXT": channel.context,
                "PRIORITY": str(channel.priority),
                "CHANNEL": channel.name,
                "UNIQUEID": channel.uniqueid,
            }.get(name)
            return builtin if builtin is not None else channel.variables.get(name)
        function, argument = match.group(1).upper(), match.group(2)
        if function == "CALLERID":
            return {
                "num": channel.callerid_num,
                "number": channel.callerid_num,
                "name": channel.callerid_name,
                "all": _callerid_all(channel.callerid_name, channel.callerid_num),
            }.get(argument.strip().lower())
        if function == "CHANNEL":
            return {
                "name": channel.name,
                "uniqueid": channel.uniqueid,
                "state": "Up" if channel.answered else "Ring",
                "context": channel.context,
                "exten": channel.extension,
                "language": channel.language,
                "channeltype": "Local",
            }.get(argument.lower())
        if function == "DB":
            return channel.database.get("/" + argument.strip("/"))
        if function == "LEN":
            return str(len(argument))
        return None

    def expand(self, text: str) -> str:
        """``text`` with every ``${...}`` replaced as Asterisk's substitution does it:
        nested expressions, functions, and ``${NAME:offset:length}`` substrings (an
        unset name gives an empty string; an unclosed ``${`` stays as written)."""
        parts: list[str] = []
        position = 0
        while (start := text.find("${", position)) >= 0:
            parts.append(text[position:start])
            depth, index = 1, start + 2
            while index < len(text) and depth:
                if text.startswith("${", index):
                    depth, index = depth + 1, index + 2
                    continue
                if text[index] == "}":
                    depth -= 1
                index += 1
            if depth:
                position = start
                break
            parts.append(self._substitute(self.expand(text[start + 2 : index - 1])))
            position = index
        parts.append(text[position:])
        return "".join(parts)

    def _substitute(self, expression: str) -> str:
        """One ``NAME[:offset[:length]]`` expression, already expanded inside."""
        depth = 0
        for index, char in enumerate(expression):
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
            elif char == ":" and depth == 0:
                value = self.value(expression[:index]) or ""
                return _substring(value, expression[index + 1 :])
        return self.value(expression) or ""

    def assign(self, name: str, value: str) -> None:
        """``Set(name=value)`` / SET VARIABLE: a variable, or ``CALLERID(num|name)``."""
        channel = self.channel
        match = _FUNCTION.fullmatch(name)
        if match is not None and match.group(1).upper() == "CALLERID":
            field_name = match.group(2).strip().lower()
            if field_name in ("num", "number"):
                channel.callerid_num = value
            elif field_name == "name":
                channel.callerid_name = value
            elif field_name == "all":
                channel.callerid_name, channel.callerid_num = _parse_callerid(value)
            return
        channel.variables[name] = value

    def _run(self, name: str, args: list[str]) -> str | list[str]:
        channel = self.channel
        if name == "answer":
            channel.answered = True
            return "200 result=0"
        if name == "asyncagi break" or name == "noop":
            return "200 result=0"
        if name == "channel status":
            if args and args[0] != channel.name:
                return "200 result=-1"
            return f"200 result={6 if channel.answered else 4}"
        if name.startswith("database"):
            return self._database(name, args)
        if name == "exec":
            return self._exec(args[0], ",".join(args[1:]))
        if name == "get data":
            return self._get_data(args)
        if name == "get full variable":
            if len(args) > 1 and args[1] != channel.name:
                return "200 result=0"  # no such channel
            return f"200 result=1 ({self.expand(args[0])})"
        if name == "get variable":
            value = self.value(args[0])
            return "200 result=0" if value is None else f"200 result=1 ({value})"
        if name == "hangup":
            if args and args[0] != channel.name:
                return "200 result=-1"
            channel.hungup = True
            return "200 result=1"
        if name == "receive char":
            char = self._key()
            return f"200 result={ord(char)}" if char else "200 result=0 (timeout)"
        if name == "receive text":
            return f"200 result=1 ({channel.texts.pop(0)})" if channel.texts else "200 result=-1"
        if name == "record file":
            stop = self._press(args[2])
            if stop is not None:
                return f"200 result={ord(stop)} (dtmf) endpos=4000"
            return "200 result=0 (timeout) endpos=8000"
        if name.startswith("say "):
            pressed = self._press(args[1])
            return f"200 result={ord(pressed) if pressed else 0}"
        if name in ("stream file", "control stream file", "get option"):
            return self._stream(name, args)
        if name == "set variable":
            self.assign(args[0], args[1])
            return "200 result=1"
        if name == "set callerid":
            channel.callerid_name, channel.callerid_num = _parse_callerid(args[0])
            return "200 result=1"
        if name == "set context":
            channel.context = args[0]
            return "200 result=0"
        if name == "set extension":
            channel.extension = args[0]
            return "200 result=0"
        if name == "set priority":
            if args[0].isdigit():
                channel.priority = int(args[0])
            return "200 result=0"
        if name in ("verbose", "tdd mode"):
            return "200 result=1"
        if name == "wait for digit":
            digit = self._key()
            return f"200 result={ord(digit) if digit else 0}"
        if name.startswith("speech"):
            return self._speech(name, args)
        if name == "gosub":
            # Asterisk says it is trying before it runs the subroutine, then answers.
            return ["100 result=0 Trying...", "200 result=0 Gosub complete"]
        # send image/text, set autohangup/music: accepted, nothing to report.
        return "200 result=0"

    def _exec(self, application: str, data: str) -> str:
        """``EXEC application data``: what the common applications do to the channel."""
        channel = self.channel
        app = application.lower()
        if app not in _APPLICATIONS:
            return "200 result=-2"  # Asterisk has no such application
        if app == "answer":
            channel.answered = True
        elif app == "hangup":
            channel.hungup = True
            return "200 result=-1"  # the application ends the call: -1, then HANGUP
        elif app == "set":
            variable, _, assigned = data.partition("=")
            self.assign(variable, assigned)
        elif app == "goto":
            target = data.split(",")
            if target[-1].isdigit():
                channel.priority = int(target[-1])
            if len(target) > 1:
                channel.extension = target[-2]
            if len(target) > 2:
                channel.context = target[-3]
        elif app in ("playback", "background"):
            files = data.split(",")[0].split("&")
            found = all(name in channel.sounds for name in files if name)
            status = "SUCCESS" if found else "FAILED"
            channel.variables[f"{app.upper()}STATUS"] = status
        elif app == "dial":
            if not data:
                return "200 result=-1"  # Dial requires an argument
            channel.variables["DIALSTATUS"] = channel.dial_status
        elif app == "read":
            options = data.split(",")
            most = int(options[2]) if len(options) > 2 and options[2].isdigit() else 255
            most = most or 255
            collected = ""
            while channel.digits and len(collected) < most:
                key = channel.digits.pop(0)
                if key == "#":
                    break
                collected += key
            channel.variables[options[0]] = collected
            channel.variables["READSTATUS"] = "OK" if collected else "TIMEOUT"
        elif app == "record":
            channel.variables["RECORD_STATUS"] = "SUCCESS"
        elif app == "system":
            channel.variables["SYSTEMSTATUS"] = "SUCCESS"
        return "200 result=0"

    def _database(self, name: str, args: list[str]) -> str:
        database = self.channel.database
        path = "/" + "/".join(args[:2])
        if name == "database put":
            database[path] = args[2]
            return "200 result=1"
        if name == "database get":
            value = database.get(path)
            return "200 result=0" if value is None else f"200 result=1 ({value})"
        if name == "database del":
            return "200 result=1" if database.pop(path, None) is not None else "200 result=0"
        doomed = [key for key in database if key == path or key.startswith(path + "/")]
        for key in doomed:
            del database[key]
        return "200 result=1" if doomed else "200 result=0"

    def _get_data(self, args: list[str]) -> str:
        if args[0] not in self.channel.sounds:
            return "200 result=-1"
        most = int(args[2]) if len(args) > 2 and args[2].lstrip("-").isdigit() else 255
        collected = ""
        while self.channel.digits and len(collected) < most:
            key = self.channel.digits.pop(0)
            if key == "#":
                return f"200 result={collected}"
            collected += key
        if len(collected) >= most and collected:
            return f"200 result={collected}"
        return f"200 result={collected} (timeout)"

    def _stream(self, name: str, args: list[str]) -> str:
        length = self.channel.sounds.get(args[0])
        if length is None:
            return "200 result=-1 endpos=0"
        key = self._press(args[1])
        if key is None and name == "get option":
            # After playback GET OPTION takes the next key, but like Asterisk answers 0
            # for one that is not an escape digit.
            key = self._key()
            if key is not None and key not in args[1]:
                key = None
        if key is not None:
            return f"200 result={ord(key)} endpos={length // 2}"
        return f"200 result=0 endpos={length}"

    def _speech(self, name: str, args: list[str]) -> str:
        if name == "speech create":
            self._speech_created = True
            return "200 result=1"
        if not self._speech_created:
            return "200 result=0"
        if name == "speech destroy":
            self._speech_created = False
            return "200 result=1"
        if name == "speech recognize":
            key = self._key()
            if key is not None:
                return f"200 result=1 (dtmf) endpos=0 digit={key}"
            if self.channel.speech:
                text = self.channel.speech.pop(0)
                fields = f'results=1 score0=1000 text0="{text}" grammar0=sim'
                return f"200 result=1 (speech) endpos=0 {fields}"
            return "200 result=1 (timeout) endpos=0"
        return "200 result=1"


#: What Asterisk 22 answers when the caller hangs up during one of these commands.
_HANGUP_REPLIES = {
    "stream file": "200 result=-1 endpos=0",
    "control stream file": "200 result=-1 endpos=0",
    "get option": "200 result=-1 endpos=0",
    "record file": "200 result=-1 (hangup) endpos=0",
}


def _substring(value: str, spec: str) -> str:
    """``${NAME:offset:length}`` applied to ``value`` (negative numbers count from the
    end, as in Asterisk; a length of 0 or none means the rest)."""
    offset_text, _, length_text = spec.partition(":")
    try:
        offset = int(offset_text or 0)
        length = int(length_text) if length_text else 0
    except ValueError:
        return value
    value = value[offset:] if offset >= 0 else value[max(len(value) + offset, 0) :]
    if length > 0:
        return value[:length]
    if length < 0:
        return value[:length] if -length < len(value) else ""
    return value


def _callerid_all(name: str, number: str) -> str:
    """``CALLERID(all)``: ``"name" <number>``."""
    return f'"{name}" <{number}>' if name else f"<{number}>"


def _parse_callerid(text: str) -> tuple[str, str]:
    """``(name, number)`` from ``"name" <number>``, ``name <number>`` or a bare number."""
    match = _CALLERID.fullmatch(text)
    if match is not None:
        return match.group(1).strip(), match.group(2).strip()
    text = text.strip().strip('"')
    if text.lstrip("+").isdigit():
        return "", text
    return text, ""


@dataclass
class CallRecord:
    """What happened during one simulated call.

    ``ended_by``: ``"server"`` (the FastAGI server closed the connection), ``"drop"``
    (``drop_at`` broke it), ``"timeout"`` (the server went silent for ``timeout``
    seconds) or ``"refused"`` (no connection).
    """

    channel: SimulatedChannel
    commands: list[str] = field(default_factory=list)
    replies: list[list[str]] = field(default_factory=list)
    ended_by: str = ""


def fastagi_call(
    host: str,
    port: int,
    script: str = "hello",
    args: Sequence[str] = (),
    *,
    channel: SimulatedChannel | None = None,
    timeout: float = 10.0,
) -> CallRecord:
    """Run one simulated FastAGI call against ``host:port``; blocks until it ends.

    ``timeout`` only guards against a server that stops talking (the call then ends
    with ``ended_by == "timeout"``); it is not a performance limit.
    """
    responder = ChannelResponder(channel)
    record = CallRecord(responder.channel)
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError:
        record.ended_by = "refused"
        return record
    with sock:
        reader = sock.makefile("rb")
        try:
            sock.sendall(responder.environment(script, args, host, port))
            while True:
                raw = reader.readline(65536)
                if not raw:
                    record.ended_by = "server"
                    break
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                record.commands.append(line)
                reply = responder.respond(line)
                if reply is None:
                    record.ended_by = "drop"
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                    break
                record.replies.append(reply)
                sock.sendall(("\n".join(reply) + "\n").encode("utf-8"))
        except TimeoutError:
            record.ended_by = "timeout"
        except OSError:
            record.ended_by = "server"
        finally:
            reader.close()
    return record


def fastagi_calls(
    host: str,
    port: int,
    count: int,
    script: str = "hello",
    args: Sequence[str] = (),
    *,
    channels: Iterable[SimulatedChannel] | None = None,
    timeout: float = 10.0,
) -> list[CallRecord]:
    """Run ``count`` simulated calls at once (one thread each); their records, in order.

    Every call gets its own numbered channel unless ``channels`` are given.
    """
    chosen = (
        list(channels)
        if channels is not None
        else [SimulatedChannel.numbered(next(_counter)) for _ in range(count)]
    )
    records: list[CallRecord | None] = [None] * count
    start = threading.Barrier(count) if count > 1 else None

    def run(index: int) -> None:
        if start is not None:
            with contextlib.suppress(threading.BrokenBarrierError):
                start.wait(timeout)
        records[index] = fastagi_call(
            host, port, script, args, channel=chosen[index], timeout=timeout
        )

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [record for record in records if record is not None]


# -- AsyncAGI for the AMI simulator -----------------------------------------------------------


class AsyncAGIService:
    """The AMI simulator's AsyncAGI: channels parked in ``AGI(agi:async)``.

    ``enter`` parks a channel (``AsyncAGIStart`` with its URL-encoded environment);
    ``command`` runs an ``AGI`` action's command on it with a :class:`ChannelResponder`
    (``AsyncAGIExec`` with the URL-encoded reply) and ends AsyncAGI on ``ASYNCAGI BREAK``
    (the dialplan goes on) or when the command hangs the channel up; ``channel_gone``
    ends it when the channel hangs up otherwise.  The simulator calls all of these with
    its lock held; AGI ``DATABASE`` commands share the simulator's AstDB.
    """

    def __init__(self, emit: Any, database: dict[str, str], pbx: Any) -> None:
        self._emit = emit
        self._database = database
        self._pbx = pbx
        self._parked: dict[str, tuple[Any, ChannelResponder]] = {}

    def enter(self, channel: Any) -> None:
        """Park ``channel`` (a simulator channel) in AsyncAGI."""
        simulated = SimulatedChannel(
            name=channel.name,
            uniqueid=channel.uniqueid,
            context=channel.context,
            extension=channel.exten,
            priority=channel.priority,
            variables=channel.variables,
            database=self._database,
            answered=channel.state == 6,
        )
        responder = ChannelResponder(simulated)
        self._parked[channel.name.lower()] = (channel, responder)
        block = responder.environment("async").decode("utf-8")
        block = block.replace("agi_network: yes\nagi_network_script: async\n", "")
        block = block.replace("agi_request: agi://127.0.0.1:4573/async", "agi_request: async")
        self._emit("AsyncAGIStart", "agi", [*channel.headers(), ("Env", quote(block, safe=""))])

    def command(self, name: str, line: str, command_id: str) -> tuple[bool, str]:
        """Run one ``AGI`` action: ``(accepted, message)`` for its response."""
        entry = self._parked.get(name.lower())
        if entry is None:
            if self._pbx.find(name) is None:
                return False, f"Channel {name} does not exist."
            return False, f"Channel {name} is not in Async AGI."
        if not line.strip():
            return False, "No command specified"
        channel, responder = entry
        lines = responder.respond(line) or ["200 result=-1"]
        reply = "\n".join(text for text in lines if text != "HANGUP") + "\n"
        headers = [*channel.headers()]
        if command_id:
            headers.append(("CommandID", command_id))
        headers.append(("Result", quote(reply, safe="")))
        self._emit("AsyncAGIExec", "agi", headers)
        words = [word.lower() for word in split_command(line)[:2]]
        if words == ["asyncagi", "break"]:
            self._leave(channel)
            self._pbx.resume(channel)
        elif responder.channel.hungup:
            self._leave(channel)
            self._pbx.hangup(channel, 16)
        return True, "Added AGI command to queue"

    def channel_gone(self, channel: Any) -> None:
        """``channel`` hung up: it leaves AsyncAGI first."""
        if channel.name.lower() in self._parked:
            self._leave(channel)

    def _leave(self, channel: Any) -> None:
        self._parked.pop(channel.name.lower(), None)
        self._emit("AsyncAGIEnd", "agi", channel.headers())
