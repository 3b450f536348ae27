"""The base of every AMI action class, and the result that ``send_action`` returns."""

from __future__ import annotations

from typing import Any, NamedTuple

from .events import Event
from .message import Message

__all__ = ["Request", "Response", "ResponseEvents", "is_success"]

_FAILED = frozenset({"error", "failure", "fail"})


def is_success(response: Message) -> bool:
    """True unless the ``Response`` header says ``Error`` (or ``Failure``)."""
    value = dict.get(response, "Response") or response.get("Response") or ""
    return value.lower() not in _FAILED


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

    def build_result(self, response: Message, events: list[Message]) -> Any:
        """The ``result`` of ``send_action``: by default :meth:`process_response`.

        ``events`` are the list events of a synchronous request (empty otherwise), for
        requests whose answer arrives in an event.
        """
        return self.process_response(response)


#: The pystrix 1.x name of the base class.
_Request = Request


class ResponseEvents(dict[Any, list[Message]]):
    """The events of a synchronous request's list, keyed by event name and by class.

    ``events["CoreShowChannel"]`` and ``events[core_events.CoreShowChannel]`` are the
    same list, in the order received; the closing ``...Complete`` event is there too.
    A name or class the list did not contain gives an empty list with ``.get(key, [])``.
    ``in_order`` holds every event once, in arrival order.
    """

    in_order: list[Message]

    def __init__(self) -> None:
        super().__init__()
        self.in_order = []

    @classmethod
    def from_events(cls, events: list[Message]) -> ResponseEvents:
        """Index ``events`` by name and by class."""
        indexed = dict.__new__(cls)  # no __init__ calls: most requests have no list
        indexed.in_order = list(events)
        for event in events:
            indexed.setdefault(event.name, []).append(event)
            kind = type(event)
            if kind is not Event and kind is not Message:
                indexed.setdefault(kind, []).append(event)
        return indexed


class Response(NamedTuple):
    """What ``Manager.send_action`` returns (the pystrix 1.x named tuple).

    * ``result``: the response after the request's ``process_response``.
    * ``response``: the response exactly as received.
    * ``request``: the request sent.
    * ``action_id``: the ActionID it was sent with.
    * ``success``: false when Asterisk answered ``Error``.
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
