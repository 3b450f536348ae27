"""The Asterisk Gateway Interface: AGI, FastAGI (threaded and asyncio) and AsyncAGI.

The pystrix 1.x names are all here: :class:`AGI` (a script run by Asterisk over
stdin/stdout), :class:`FastAGIServer` and :class:`FastAGI`, the exceptions, and the
command classes in :mod:`pystrix.agi.core`.  :mod:`pystrix.agi.aio` holds the asyncio
FastAGI server, :mod:`pystrix.agi.asyncagi` runs AGI commands over AMI, and
:mod:`pystrix.agi.protocol` is the I/O-free core they all share.

Every name here is imported when first used (``pystrix.agi.core.Answer``, ``from
pystrix.agi import FastAGIServer``), so that importing one part does not import the rest.
"""

from .._lazy import lazy_attributes as _lazy_attributes

TYPE_CHECKING = False  # typing.TYPE_CHECKING, by the name type checkers know
if TYPE_CHECKING:
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

#: Where each name of ``__all__`` that is not a submodule is defined.
_NAMES = {
    "AGI": "agi",
    **dict.fromkeys(
        (
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
        ),
        "errors",
    ),
    "FastAGI": "fastagi",
    "FastAGIServer": "fastagi",
    "Action": "protocol",
    "Environment": "protocol",
    "Reply": "protocol",
}
#: The submodules reachable as attributes without importing them first.
_SUBMODULES = frozenset(
    {
        "_scripts",
        "agi",
        "agi_core",
        "aio",
        "asyncagi",
        "core",
        "errors",
        "fastagi",
        "protocol",
    }
)


_lazy_attribute, _lazy_dir = _lazy_attributes(globals(), _NAMES, _SUBMODULES)


if not TYPE_CHECKING:  # type checkers see the imports above, not a catch-all
    __getattr__ = _lazy_attribute
    __dir__ = _lazy_dir
del TYPE_CHECKING
