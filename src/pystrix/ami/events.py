"""Event base classes and the registry that turns an event's name into its class.

Every subclass of :class:`Event` registers itself under its event name (the class name
unless ``event_name`` says otherwise), so the parser builds the right class as it reads
and ``Manager.register_callback(SomeEvent, fn)`` matches by name at no extra cost.
An event with no class arrives as a plain :class:`Event`, with ``.name`` and every header.
"""

from __future__ import annotations

from typing import Any, ClassVar

from .message import Message, convert_value

__all__ = ["Aggregate", "Event", "event_class_for", "registered_event_classes"]

_REGISTRY: dict[str, type[Event]] = {}


class _EventType(type):
    """Gives every event class empty ``__slots__`` unless it declares its own.

    Events are built for every message received; without a per-instance ``__dict__``
    they are smaller and quicker to make, and the catalog's classes stay one-liners.
    """

    def __new__(
        mcls, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any
    ) -> _EventType:
        namespace.setdefault("__slots__", ())
        return super().__new__(mcls, name, bases, namespace, **kwargs)


class Event(Message, metaclass=_EventType):
    """An AMI event (a message with an ``Event`` header).

    Subclasses list the headers that have a type in ``int_headers``, ``float_headers``,
    ``bool_headers``, ``time_headers`` and ``duration_headers`` (inherited ones included);
    :meth:`~pystrix.ami.message.Message.typed` and :meth:`process` convert them.
    Conversion never drops an event: a value that does not convert is left as the string
    received, and headers a class does not expect are kept as they are.
    """

    __slots__ = ()

    int_headers: ClassVar[tuple[str, ...]] = ()
    float_headers: ClassVar[tuple[str, ...]] = ()
    bool_headers: ClassVar[tuple[str, ...]] = ()
    time_headers: ClassVar[tuple[str, ...]] = ()
    duration_headers: ClassVar[tuple[str, ...]] = ()

    @property
    def name(self) -> str:
        """The ``Event`` header (read directly: this runs for every dispatched event)."""
        value = dict.get(self, "Event")
        return value if value is not None else super().name

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("event_name") or cls.__name__
        cls.event_name = name
        # A typed event's headers are Asterisk's unless the class says otherwise.
        cls.free_form_headers = bool(cls.__dict__.get("free_form_headers", False))
        _REGISTRY[name.lower()] = cls
        # Computed once per class, so typed access costs one dict look-up per header.
        kinds = _inherited_kinds(cls)
        for kind, names in (
            ("int", cls.int_headers),
            ("float", cls.float_headers),
            ("bool", cls.bool_headers),
            ("time", cls.time_headers),
            ("duration", cls.duration_headers),
        ):
            for header in names:
                kinds[header.lower()] = kind
        cls.header_kinds = kinds

    def process(self) -> tuple[dict[str, Any], list[str]]:
        """The headers with known numbers, booleans and times converted, and ``data``.

        Returns ``(headers, data)`` as pystrix 1.x did; the event itself is not changed.
        Each value is what :meth:`~pystrix.ami.message.Message.typed` gives.
        """
        headers: dict[str, Any] = dict(self)
        kinds = self.header_kinds
        for key, value in headers.items():
            kind = kinds.get(key.lower())
            if kind is not None:
                try:
                    headers[key] = convert_value(kind, value)
                except ValueError:
                    pass
        return headers, list(self.data)


def _inherited_kinds(cls: type[Event]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for base in reversed(cls.__mro__[1:]):
        kinds = base.__dict__.get("header_kinds")
        if kinds is not None:
            merged.update(kinds)
    return merged


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
