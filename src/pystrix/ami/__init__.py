"""The Asterisk Manager Interface: the pystrix 1.x API on a sans-I/O core.

``Manager`` is the threaded client; actions live in :mod:`pystrix.ami.core` (and
:mod:`~pystrix.ami.pjsip`, :mod:`~pystrix.ami.app_confbridge`, :mod:`~pystrix.ami.app_meetme`,
:mod:`~pystrix.ami.dahdi`), events in the matching ``*_events`` modules, and
:mod:`pystrix.ami.catalog` finds any of them by name.  :mod:`pystrix.ami.protocol` is the
I/O-free core that every front-end shares.
"""

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
from ._frontend import ReconnectPolicy
from .action import Action
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
    "ManagerError",
    "ManagerSocketError",
    "Message",
    "MessageTooLargeError",
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
