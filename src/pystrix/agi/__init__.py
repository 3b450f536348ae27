"""The Asterisk Gateway Interface: AGI, FastAGI (threaded and asyncio) and AsyncAGI.

The pystrix 1.x names are all here: :class:`AGI` (a script run by Asterisk over
stdin/stdout), :class:`FastAGIServer` and :class:`FastAGI`, the exceptions, and the
command classes in :mod:`pystrix.agi.core`.  :mod:`pystrix.agi.aio` holds the asyncio
FastAGI server, :mod:`pystrix.agi.asyncagi` runs AGI commands over AMI, and
:mod:`pystrix.agi.protocol` is the I/O-free core they all share.
"""

# agi_core too, so that ``pystrix.agi.agi_core`` works after ``import pystrix`` (1.x).
from . import agi_core, core
from .agi import AGI
from .errors import (
    AGIAppError,
    AGIDeadChannelError,
    AGIEnvironmentError,
    AGIError,
    AGIException,
    AGIHangup,
    AGIInvalidArgumentError,
    AGIInvalidCommandError,
    AGINoResultError,
    AGIProtocolError,
    AGIResultHangup,
    AGISIGHUPHangup,
    AGISIGPIPEHangup,
    AGITimeoutError,
    AGIUnknownError,
    AGIUsageError,
)
from .fastagi import FastAGI, FastAGIServer
from .protocol import Action, Environment, Reply

__all__ = [
    "AGI",
    "AGIAppError",
    "AGIDeadChannelError",
    "AGIEnvironmentError",
    "AGIError",
    "AGIException",
    "AGIHangup",
    "AGIInvalidArgumentError",
    "AGIInvalidCommandError",
    "AGINoResultError",
    "AGIProtocolError",
    "AGIResultHangup",
    "AGISIGHUPHangup",
    "AGISIGPIPEHangup",
    "AGITimeoutError",
    "AGIUnknownError",
    "AGIUsageError",
    "Action",
    "Environment",
    "FastAGI",
    "FastAGIServer",
    "Reply",
    "agi_core",
    "core",
]
