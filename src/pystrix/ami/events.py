"""Event base classes and the registry that turns an event's name into its class.

Every subclass of :class:`Event` registers itself under its event name (the class name
unless ``event_name`` says otherwise), so the parser builds the right class as it reads
and ``Manager.register_callback(SomeEvent, fn)`` matches by name at no extra cost.
An event with no class arrives as a plain :class:`Event`, with ``.name`` and every header.
"""

from __future__ import annotations

from typing import Any, ClassVar

from .message import Message

__all__ = ["Aggregate", "Event", "event_class_for", "registered_event_classes"]

_REGISTRY: dict[str, type[Event]] = {}


class Event(Message):
    """An AMI event (a message with an ``Event`` header).

    Subclasses may list headers to convert in :meth:`process`: ``int_headers``,
    ``float_headers`` and ``bool_headers``.  Conversion never drops an event: a value that
    does not convert is left as the string received.
    """

    __slots__ = ()

    int_headers: ClassVar[tuple[str, ...]] = ()
    float_headers: ClassVar[tuple[str, ...]] = ()
    bool_headers: ClassVar[tuple[str, ...]] = ()

    @property
    def name(self) -> str:
        """The ``Event`` header (read directly: this runs for every dispatched event)."""
        value = dict.get(self, "Event")
        return value if value is not None else super().name

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("event_name") or cls.__name__
        cls.event_name = name
        _REGISTRY[name.lower()] = cls

    def process(self) -> tuple[dict[str, Any], list[str]]:
        """The headers with known numeric and boolean values converted, and ``data``.

        Returns ``(headers, data)`` as pystrix 1.x did; the event itself is not changed.
        """
        headers: dict[str, Any] = dict(self)
        for key in self.int_headers:
            value = headers.get(key)
            if value is not None:
                try:
                    headers[key] = int(value)
                except ValueError:
                    pass
        for key in self.float_headers:
            value = headers.get(key)
            if value is not None:
                try:
                    headers[key] = float(value)
                except ValueError:
                    pass
        for key in self.bool_headers:
            value = headers.get(key)
            if value is not None:
                lowered = value.lower()
                if lowered in _TRUE:
                    headers[key] = True
                elif lowered in _FALSE:
                    headers[key] = False
        return headers, list(self.data)


_TRUE = frozenset({"yes", "true", "on", "1", "y"})
_FALSE = frozenset({"no", "false", "off", "0", "n"})


class Aggregate(Event):
    """Every event of one completed list, delivered as a single event.

    Its headers are those of the list's closing ``...Complete`` event, with ``Event`` set
    to the aggregate's name (for example ``CoreShowChannels_Aggregate``); ``events`` holds
    the list's items in order.
    """

    __slots__ = ("events",)

    events: list[Message]

    def __init__(
        self,
        headers: Any = (),
        data: list[str] | None = None,
        raw: str | None = None,
    ) -> None:
        super().__init__(headers, data, raw)
        self.events = []

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_aggregate, (type(self), self.header_pairs(), self.events))


def _rebuild_aggregate(
    cls: type[Aggregate], pairs: list[tuple[str, str]], events: list[Message]
) -> Aggregate:
    aggregate = cls(pairs)
    aggregate.events = events
    return aggregate


def event_class_for(name: str) -> type[Event]:
    """The class registered for event ``name`` (any case), else :class:`Event`."""
    return _REGISTRY.get(name.lower(), Event)


def registered_event_classes() -> dict[str, type[Event]]:
    """A copy of the registry: lower-cased event name to class."""
    return dict(_REGISTRY)


# The base classes themselves are not events anyone sends.
_REGISTRY.pop("aggregate", None)
