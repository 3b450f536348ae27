#!/usr/bin/env python3
"""An AGI script: Asterisk runs it for ``AGI(/usr/local/bin/hello_agi.py,Alice)``.

Standard input and output are the channel: log with ``Verbose`` or to standard error,
never with ``print``.
"""

from pystrix.agi import AGI, AGIHangup, core

agi = AGI()  # reads the agi_* environment Asterisk writes first
name = agi.environment.args[0] if agi.environment.args else "stranger"
try:
    agi.execute(core.Answer())
    agi.execute(core.Verbose(f"hello, {name}", core.LOG_INFO))
    pressed = agi.execute(core.StreamFile("hello-world", escape_digits="123"))
    key = pressed[0] if pressed else agi.execute(core.WaitForDigit(3000))  # None: no key
    agi.execute(core.SetVariable("PRESSED", key or "none"))
except AGIHangup:
    pass  # the caller hung up (SIGHUP, or a reply saying so): nothing more to do
