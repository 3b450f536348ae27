"""Where pystrix 1.x kept the AGI base classes and exceptions; imports from there still work."""

from .agi import _AGI
from .errors import (
    AGIAppError,
    AGIDeadChannelError,
    AGIError,
    AGIException,
    AGIHangup,
    AGIInvalidCommandError,
    AGINoResultError,
    AGIResultHangup,
    AGISIGPIPEHangup,
    AGIUnknownError,
    AGIUsageError,
)
from .protocol import Action, quote

#: The pystrix 1.x name of the command base class.
_Action = Action

__all__ = [
    "_AGI",
    "AGIAppError",
    "AGIDeadChannelError",
    "AGIError",
    "AGIException",
    "AGIHangup",
    "AGIInvalidCommandError",
    "AGINoResultError",
    "AGIResultHangup",
    "AGISIGPIPEHangup",
    "AGIUnknownError",
    "AGIUsageError",
    "_Action",
    "quote",
]
