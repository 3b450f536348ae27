"""The Asterisk Manager Interface: the pystrix 1.x API on a sans-I/O core.

``Manager`` is the threaded client; actions live in :mod:`pystrix.ami.core` and events in
:mod:`pystrix.ami.core_events`.  :mod:`pystrix.ami.protocol` is the I/O-free core that
every front-end shares.
"""

from . import core, core_events
from .errors import (
    Error,
    InvalidHeaderError,
    LocalProtocolError,
    ManagerError,
    ManagerSocketError,
    MessageTooLargeError,
    RemoteProtocolError,
)
from .events import Aggregate, Event
from .manager import AsteriskInfo, Manager
from .message import EVENT_GENERIC, RESPONSE_GENERIC, Message
from .request import Request, Response, ResponseEvents

#: Header names, as pystrix 1.x exported them.
KEY_ACTION = "Action"
KEY_ACTIONID = "ActionID"
KEY_EVENT = "Event"
KEY_RESPONSE = "Response"

__all__ = [
    "EVENT_GENERIC",
    "KEY_ACTION",
    "KEY_ACTIONID",
    "KEY_EVENT",
    "KEY_RESPONSE",
    "RESPONSE_GENERIC",
    "Aggregate",
    "AsteriskInfo",
    "Error",
    "Event",
    "InvalidHeaderError",
    "LocalProtocolError",
    "Manager",
    "ManagerError",
    "ManagerSocketError",
    "Message",
    "MessageTooLargeError",
    "RemoteProtocolError",
    "Request",
    "Response",
    "ResponseEvents",
    "core",
    "core_events",
]
