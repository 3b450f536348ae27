"""pystrix 1.x's ``pystrix.ami.ami`` module: the names programs written for 1.x import.

Everything here is an alias of the current implementation, so that
``from pystrix.ami.ami import Manager, _Request, _Aggregate`` keeps working: a program's
own request class (``class MyAction(_Request)`` calling ``_Request.__init__(self,
'MyAction')``) and aggregate class (``class MyAggregate(_Aggregate)`` with ``_name``,
``_aggregation_members`` and ``_aggregation_finalisers``) are sent and built like the
library's own.  New code should import from :mod:`pystrix.ami` instead.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping

from . import catalog as _catalog  # noqa: F401  (1.x's registry held every event class)
from . import events as _events
from .errors import Error, ManagerError, ManagerSocketError
from .events import Aggregate, Event, class_event_name
from .manager import Manager
from .message import (
    EVENT_GENERIC,
    KEY_ACTION,
    KEY_ACTIONID,
    KEY_EVENT,
    KEY_RESPONSE,
    RESPONSE_GENERIC,
    Message,
)
from .request import Request, Response

__all__ = [
    "EVENT_GENERIC",
    "KEY_ACTION",
    "KEY_ACTIONID",
    "KEY_EVENT",
    "KEY_RESPONSE",
    "RESPONSE_GENERIC",
    "Error",
    "Manager",
    "ManagerError",
    "ManagerSocketError",
]

#: The base of every request (action) class.
_Request = Request
#: The base of every event class.
_Event = Event
#: The base of every aggregate class.
_Aggregate = Aggregate
#: A message received from Asterisk (responses are of this class).
_Message = Message
#: 1.x's common base of messages and aggregates.
_MessageTemplate = Message
#: The named tuple ``send_action`` returns.
_Response = Response


class _EventRegistry(MutableMapping[str, type[Event]]):
    """1.x's ``_EVENT_REGISTRY``, as a view of the live registry of event classes.

    Every :class:`_Event` subclass registers itself when defined; assigning here
    registers a class under another name too.  Names are matched in any case.
    """

    def __getitem__(self, name: str) -> type[Event]:
        return _events._REGISTRY[name.lower()]

    def __setitem__(self, name: str, cls: type[Event]) -> None:
        _events._REGISTRY[name.lower()] = cls

    def __delitem__(self, name: str) -> None:
        del _events._REGISTRY[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter([class_event_name(cls) for cls in _events._REGISTRY.values()])

    def __len__(self) -> int:
        return len(_events._REGISTRY)


_EVENT_REGISTRY = _EventRegistry()
