"""The Asterisk Manager Interface: the pystrix 1.x API on a sans-I/O core.

``Manager`` is the threaded client; actions live in :mod:`pystrix.ami.core` (and
:mod:`~pystrix.ami.pjsip`, :mod:`~pystrix.ami.app_confbridge`, :mod:`~pystrix.ami.app_meetme`,
:mod:`~pystrix.ami.dahdi`), events in the matching ``*_events`` modules, and
:mod:`pystrix.ami.catalog` finds any of them by name.  :mod:`pystrix.ami.protocol` is the
I/O-free core that every front-end shares.

Every name here is imported when first used (``pystrix.ami.core``, ``from pystrix.ami
import Manager``), so that a program that needs only part of the package (the protocol
core, say) does not pay for the whole catalog.
"""

from .._lazy import lazy_attributes as _lazy_attributes

TYPE_CHECKING = False  # typing.TYPE_CHECKING, by the name type checkers know
if TYPE_CHECKING:
    from . import (
        app_confbridge,
        app_confbridge_events,
        app_meetme,
        app_meetme_events,
        catalog,
        core,
        core_events,
        dahdi,
        dahdi_events,
        pjsip,
        pjsip_events,
    )
    from ._frontend import OriginateResult, ReconnectPolicy
    from .action import Action
    from .errors import (
        Error,
        InvalidHeaderError,
        LocalProtocolError,
        ManagerAuthError,
        ManagerError,
        ManagerSocketError,
        ManagerTimeoutError,
        MessageTooLargeError,
        RemoteProtocolError,
    )
    from .events import Aggregate, Event
    from .manager import AsteriskInfo, Manager
    from .message import (
        EVENT_GENERIC,
        KEY_ACTION,
        KEY_ACTIONID,
        KEY_EVENT,
        KEY_RESPONSE,
        RESPONSE_GENERIC,
        Message,
    )
    from .request import Request, Response, ResponseEvents

__all__ = [
    "EVENT_GENERIC",
    "KEY_ACTION",
    "KEY_ACTIONID",
    "KEY_EVENT",
    "KEY_RESPONSE",
    "RESPONSE_GENERIC",
    "Action",
    "Aggregate",
    "AsteriskInfo",
    "Error",
    "Event",
    "InvalidHeaderError",
    "LocalProtocolError",
    "Manager",
    "ManagerAuthError",
    "ManagerError",
    "ManagerSocketError",
    "ManagerTimeoutError",
    "Message",
    "MessageTooLargeError",
    "OriginateResult",
    "ReconnectPolicy",
    "RemoteProtocolError",
    "Request",
    "Response",
    "ResponseEvents",
    "app_confbridge",
    "app_confbridge_events",
    "app_meetme",
    "app_meetme_events",
    "catalog",
    "core",
    "core_events",
    "dahdi",
    "dahdi_events",
    "pjsip",
    "pjsip_events",
]

#: Where each name of ``__all__`` that is not a submodule is defined.
_NAMES = {
    "OriginateResult": "_frontend",
    "ReconnectPolicy": "_frontend",
    "Action": "action",
    **dict.fromkeys(
        (
            "Error",
            "InvalidHeaderError",
            "LocalProtocolError",
            "ManagerAuthError",
            "ManagerError",
            "ManagerSocketError",
            "ManagerTimeoutError",
            "MessageTooLargeError",
            "RemoteProtocolError",
        ),
        "errors",
    ),
    "Aggregate": "events",
    "Event": "events",
    "AsteriskInfo": "manager",
    "Manager": "manager",
    **dict.fromkeys(
        (
            "EVENT_GENERIC",
            "KEY_ACTION",
            "KEY_ACTIONID",
            "KEY_EVENT",
            "KEY_RESPONSE",
            "RESPONSE_GENERIC",
            "Message",
        ),
        "message",
    ),
    "Request": "request",
    "Response": "request",
    "ResponseEvents": "request",
}
#: The submodules reachable as attributes without importing them first.
_SUBMODULES = frozenset(
    {
        "_frontend",
        "action",
        "aio",
        "ami",
        "app_confbridge",
        "app_confbridge_events",
        "app_meetme",
        "app_meetme_events",
        "catalog",
        "core",
        "core_events",
        "dahdi",
        "dahdi_events",
        "errors",
        "events",
        "generic_transforms",
        "manager",
        "message",
        "pjsip",
        "pjsip_events",
        "protocol",
        "request",
    }
)


_lazy_attribute, _lazy_dir = _lazy_attributes(globals(), _NAMES, _SUBMODULES)


if not TYPE_CHECKING:  # type checkers see the imports above, not a catch-all
    __getattr__ = _lazy_attribute
    __dir__ = _lazy_dir
del TYPE_CHECKING
