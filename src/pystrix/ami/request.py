"""The base of every AMI action class, and the result that ``send_action`` returns."""

from __future__ import annotations

from typing import Any, ClassVar, NamedTuple

from .events import Aggregate, Event, class_event_name
from .message import FAILED_RESPONSES, Message

__all__ = ["Request", "Response", "ResponseEvents", "is_success"]


def is_success(response: Message) -> bool:
    """True unless the ``Response`` header says ``Error`` (or ``Failure``)."""
    value = dict.get(response, "Response") or response.get("Response") or ""
    return value.lower() not in FAILED_RESPONSES


class Request(dict[str, Any]):
    """An AMI action: a ``dict`` of headers, ``Action`` among them.

    Values may be strings, numbers, booleans (sent as ``true``/``false``), ``None`` (left
    out) or a list or tuple (one header per item, as ``Variable`` needs).  Extra headers
    can be set like dictionary items before sending.

    Attributes a caller may change before sending:

    * ``timeout``: seconds ``send_action`` waits for the response before giving up and
      returning ``None`` (default 5).
    * ``synchronous``: when true and the action answers with an event list, the caller is
      also held until the list ends and gets its events in the result's ``events``; they
      are not dispatched to callbacks.
    * ``aggregate``: when true and the action answers with an event list, an
      ``<Action>_Aggregate`` event carrying the whole list reaches callbacks when it ends.
    """

    timeout: float = 5
    synchronous: bool = False
    aggregate: bool = False
    #: When set, ``send_action`` stores the round-trip time in seconds (a ``float``) in
    #: the result under this header, or -1 when the answer was not a success (``Ping``'s
    #: ``RTT``, as in pystrix 1.x).
    round_trip_header: ClassVar[str | None] = None

    # pystrix 1.x's declaration of what a list action answers, for a program's own request
    # classes (the catalog's classes derive them from ``list_events``/``list_complete``).
    #: The :class:`~pystrix.ami.events.Aggregate` classes built when ``aggregate`` is true.
    _aggregates: tuple[type[Aggregate], ...] = ()
    #: Event classes a synchronous request collects in lists (``events[cls]`` is a list).
    _synchronous_events_list: tuple[type[Event], ...] = ()
    #: Event classes it collects once each (``events[cls]`` is the event or ``None``).
    _synchronous_events_unique: tuple[type[Event], ...] = ()
    #: Event classes that end its list (``events[cls]`` is the event or ``None``); the
    #: request is complete when they have come, ``EventList`` header or not.
    _synchronous_events_finalising: tuple[type[Event], ...] = ()

    def __init__(self, action: str) -> None:
        super().__init__()
        self["Action"] = action

    def __repr__(self) -> str:
        shown = {k: ("***" if k.lower() in ("secret", "key") else v) for k, v in self.items()}
        return f"<{type(self).__name__} {shown!r}>"

    @property
    def action(self) -> str:
        """The ``Action`` header."""
        return str(self["Action"])

    def header_pairs(self) -> list[tuple[str, Any]]:
        """The headers to send after ``Action`` (``ActionID`` is added by the Manager)."""
        return [(k, v) for k, v in self.items() if k.lower() not in ("action", "actionid")]

    def process_response(self, response: Message) -> Message:
        """Turn the raw response into the ``result`` of ``send_action``.

        The base returns it unchanged; subclasses check it (``Login`` raises
        :class:`~pystrix.ami.core.ManagerAuthError`) or enrich it.
        """
        return response

    def get_aggregate_classes(self) -> tuple[type[Aggregate], ...]:
        """The aggregate classes this request asks for when ``aggregate`` is true (1.x)."""
        return tuple(self._aggregates)

    def get_synchronous_classes(
        self,
    ) -> tuple[tuple[type[Event], ...], tuple[type[Event], ...], tuple[type[Event], ...]]:
        """``(unique, list, finalising)`` event classes of a synchronous request (1.x)."""
        return (
            tuple(self._synchronous_events_unique),
            tuple(self._synchronous_events_list),
            tuple(self._synchronous_events_finalising),
        )

    def build_request(
        self, action_id: str | None, id_generator: Any = None, **kwargs: Any
    ) -> tuple[str, str]:
        """The request as text and the ActionID it carries (the pystrix 1.x method).

        ``action_id`` wins, then the request's own ``ActionID``, then ``id_generator()``.
        ``kwargs`` are extra headers.  The Manager does not call this: it is for programs
        that log or inspect what would be sent.
        """
        from .protocol import serialize_action  # the protocol module imports this one

        chosen = action_id or self.get("ActionID") or kwargs.pop("ActionID", None)
        if chosen is None and id_generator is not None:
            chosen = id_generator()
        headers = [*self.header_pairs(), *kwargs.items()]
        text = serialize_action(self.action, headers, None if chosen is None else str(chosen))
        return text.decode(), str(chosen)

    def build_result(self, response: Message, events: list[Message]) -> Any:
        """The ``result`` of ``send_action``: by default :meth:`process_response`.

        ``events`` are the list events of a synchronous request (empty otherwise), for
        requests whose answer arrives in an event.
        """
        return self.process_response(response)


#: The pystrix 1.x name of the base class.
_Request = Request


class ResponseEvents(dict[Any, Any]):
    """The events of a synchronous request's list, keyed by event name and by class.

    As in pystrix 1.x, the request's declared classes are always there: each list-type
    class (``_synchronous_events_list``; a catalogued action's ``list_events``) maps to a
    list, empty when none came, and each unique or finalising class (the closing
    ``...Complete`` event) to the event itself or ``None``.  So
    ``events[core_events.CoreShowChannel]`` and ``events["CoreShowChannel"]`` are the same
    list, and ``events["CoreShowChannelsComplete"]`` is one event.  Any other event of the
    list is kept in a list under its name and class.  ``in_order`` holds every event once,
    in arrival order.
    """

    in_order: list[Message]

    def __init__(self) -> None:
        super().__init__()
        self.in_order = []

    @classmethod
    def from_events(cls, events: list[Message], request: Request | None = None) -> ResponseEvents:
        """Index ``events`` by name and by class; with a synchronous ``request``, its
        declared classes first, as described above."""
        indexed = dict.__new__(cls)  # no __init__ calls: most requests have no list
        indexed.in_order = list(events)
        if not events and (request is None or not request.synchronous):
            return indexed  # the usual case: nothing to index
        single: set[str] = set()
        if request is not None and request.synchronous:
            unique, listed, finalising = request.get_synchronous_classes()
            for declared in listed:
                indexed[declared] = indexed[class_event_name(declared)] = []
            for declared in (*unique, *finalising):
                indexed[declared] = indexed[class_event_name(declared)] = None
                single.add(class_event_name(declared).lower())
        for event in events:
            name = event.name
            kind = type(event)
            if name.lower() in single:
                for key in (name, class_event_name(kind), kind):
                    if key in indexed:
                        indexed[key] = event
                continue
            indexed.setdefault(name, []).append(event)
            if kind is not Event and kind is not Message:
                found = indexed.setdefault(kind, [])
                if found is not indexed[name]:
                    found.append(event)
        return indexed


class Response(NamedTuple):
    """What ``Manager.send_action`` returns (the pystrix 1.x named tuple).

    * ``result``: the response after the request's ``process_response``.
    * ``response``: the response as received; the actions that convert values as 1.x
      did (``MailboxCount``, ``Ping``, ...) convert it in place, so it is ``result``.
    * ``request``: the request sent.
    * ``action_id``: the ActionID it was sent with.
    * ``success``: false when Asterisk answered ``Error``, or as the request's
      ``process_response`` decided by setting ``response.success``.
    * ``time``: seconds between sending and the answer (list included).
    * ``events``: for a synchronous request, its list's events (:class:`ResponseEvents`),
      else an empty one.
    * ``events_timeout``: true when the list did not end within ``aggregate_timeout``;
      ``events`` then holds what had arrived.
    """

    result: Any
    response: Message
    request: Request
    action_id: str
    success: bool
    time: float
    events: ResponseEvents
    events_timeout: bool
