"""Event base classes and the registry that turns an event's name into its class.

Every subclass of :class:`Event` registers itself under its event name (the class name
unless ``event_name`` says otherwise), so the parser builds the right class as it reads
and ``Manager.register_callback(SomeEvent, fn)`` matches by name at no extra cost.
An event with no class arrives as a plain :class:`Event`, with ``.name`` and every header.

The catalog's event modules (:mod:`~pystrix.ami.core_events` and its siblings) are not
imported with this one: the first look-up of a name that no imported class has imports
them (and :mod:`~pystrix.ami.catalog`, for an ``..._Aggregate`` name), so the registry
answers as if they had always been there.  A program's own class of the same name as one
of the catalog's takes precedence over it, whichever was defined first.
"""

from __future__ import annotations

from typing import Any, ClassVar

from .message import Message, convert_value

__all__ = [
    "Aggregate",
    "Event",
    "class_event_name",
    "event_class_for",
    "registered_event_classes",
]

_REGISTRY: dict[str, type[Event]] = {}

#: The modules whose event classes make up the catalog (see :mod:`pystrix.ami.catalog`).
_EVENT_MODULES = (
    "core_events",
    "app_confbridge_events",
    "app_meetme_events",
    "dahdi_events",
    "pjsip_events",
)
_CATALOG_MODULES = frozenset(f"pystrix.ami.{name}" for name in (*_EVENT_MODULES, "catalog"))
# How much of the catalog is known to be imported: 0 not all of it, 1 the event modules,
# 2 the whole catalog (the generated aggregates with it).
_loaded = 0


def _from_catalog(cls: type) -> bool:
    """True for a class defined by the catalog (not by a program)."""
    return cls.__module__ in _CATALOG_MODULES


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

    def __init_subclass__(cls, *, registered: bool = True, **kwargs: Any) -> None:
        """``registered=False`` (``class X(Event, registered=False)``) keeps a class out of
        the registry of event names: a base class, or an event pystrix makes itself and
        that no server's text may become."""
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("event_name") or cls.__name__
        cls.event_name = name
        # A typed event's headers are Asterisk's unless the class says otherwise.
        cls.free_form_headers = bool(cls.__dict__.get("free_form_headers", False))
        key = name.lower()
        known = _REGISTRY.get(key)
        if registered and (known is None or not _from_catalog(cls) or _from_catalog(known)):
            # The catalog's class never displaces a program's own (see the module's notes).
            _REGISTRY[key] = cls
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


def class_event_name(cls: type[Message]) -> str:
    """The event name a message class stands for (its class name if it has none)."""
    return cls.event_name or cls.__name__


class _ListDeclaration:
    """``_aggregation_members`` / ``_aggregation_finalisers`` of a catalogued aggregate:
    its action's own ``_synchronous_events_list`` / ``_synchronous_events_finalising``.

    A class that sets the attribute itself (a program's own aggregate) is not affected.
    """

    def __init__(self, finalisers: bool) -> None:
        self._finalisers = finalisers

    def __get__(self, instance: Any, owner: type[Aggregate]) -> tuple[type[Event], ...]:
        from .action import action_class_for  # the action module imports this one

        for cls in owner.__mro__:
            name = cls.__dict__.get("event_name")
            if isinstance(name, str) and name.endswith("_Aggregate"):
                action = action_class_for(name[: -len("_Aggregate")])
                if action is not None and action.list_complete is not None:
                    if self._finalisers:
                        return tuple(action._synchronous_events_finalising)
                    return tuple(action._synchronous_events_list)
        return ()


#: Per aggregate class: the lower-cased names of its members and of its finalisers.
_DECLARED_NAMES: dict[type[Aggregate], tuple[frozenset[str], frozenset[str]]] = {}


def _declared_names(cls: type[Aggregate]) -> tuple[frozenset[str], frozenset[str]]:
    found = _DECLARED_NAMES.get(cls)
    if found is None:
        found = (
            frozenset(class_event_name(kind).lower() for kind in cls._aggregation_members),
            frozenset(class_event_name(kind).lower() for kind in cls._aggregation_finalisers),
        )
        _DECLARED_NAMES[cls] = found
    return found


class Aggregate(Event, registered=False):
    """Every event of one completed list, delivered as a single event.

    Its headers are those of the list's closing ``...Complete`` event, with ``Event`` set
    to the aggregate's name (for example ``CoreShowChannels_Aggregate``); ``events`` holds
    the list's member events in order.

    The pystrix 1.x form works too.  A subclass names itself in ``_name`` and lists
    the event classes it collects in ``_aggregation_members`` and those that end it in
    ``_aggregation_finalisers``; a request lists the aggregates it wants in
    ``_aggregates``.  The Manager builds it as 1.x did: ``cls(action_id)``, then
    :meth:`evaluate_event` for each event of the list, which calls :meth:`_aggregate` for a
    member and :meth:`_finalise` for a finaliser, so a subclass may override either.
    Indexing by an event class or by a member's name gives that kind's events:
    ``aggregate[core_events.CoreShowChannel]`` (a list, empty when none came) or
    ``aggregate[core_events.CoreShowChannelsComplete]`` (the event, or ``None``).  A
    string that is one of the headers gives the header, as on any event.
    """

    __slots__ = ("_action_id", "_members", "_pending", "_problem", "events")

    #: pystrix 1.x: the event name this aggregate is delivered under.
    _name: ClassVar[str | None] = None
    #: pystrix 1.x: the event classes collected (none listed: every event of the list).
    _aggregation_members: tuple[type[Event], ...] = _ListDeclaration(False)  # type: ignore[assignment]
    #: pystrix 1.x: the event classes that end the aggregate.
    _aggregation_finalisers: tuple[type[Event], ...] = _ListDeclaration(True)  # type: ignore[assignment]

    events: list[Message]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # A 1.x subclass names itself in ``_name``: that is its event name (and registry
        # key, so that register_callback(ThatClass, ...) matches what it is sent as).
        own_name = cls.__dict__.get("_name")
        if own_name and "event_name" not in cls.__dict__:
            cls.event_name = own_name
        super().__init_subclass__(**kwargs)
        if not own_name:
            cls._name = cls.event_name

    def __init__(
        self,
        headers: Any = (),
        data: list[str] | None = None,
        raw: str | None = None,
    ) -> None:
        # pystrix 1.x builds an aggregate as ``cls(action_id)``; a string is that.
        action_id = None
        if isinstance(headers, str):
            action_id, headers = headers, ()
        super().__init__(headers, data, raw)
        self.events = []
        self._action_id = action_id
        self._members: dict[Any, Any] = {}
        self._pending: set[str] | None = None
        self._problem: str | None = None

    # -- pystrix 1.x aggregation -----------------------------------------------------------

    @classmethod
    def collect(
        cls, action_id: str, events: list[Message], complete: Message | None, name: str
    ) -> Aggregate:
        """Build the aggregate of one finished list: its ``events`` and the ``complete``
        event that ended it.  ``name`` is used when the class has none of its own."""
        aggregate = cls(action_id)
        for event in events:
            aggregate.evaluate_event(event)
        if complete is not None:
            aggregate.evaluate_event(complete)
        if not dict.__contains__(aggregate, "Event"):
            aggregate._set_event_header(cls._name or name)
        return aggregate

    def _set_event_header(self, name: str) -> None:
        pairs = [("Event", name), *((k, v) for k, v in self.header_pairs() if k.lower() != "event")]
        dict.clear(self)
        Message.__init__(self, pairs, self._data, self._raw)

    def evaluate_event(self, event: Message) -> bool:
        """Take ``event`` if it belongs to this aggregate; true once every finaliser came.

        An event whose ActionID is not this aggregate's is ignored.
        """
        if self._action_id is not None and event.get("ActionID") != self._action_id:
            return False
        name = event.name.lower()
        members, finalisers = _declared_names(type(self))
        if self._pending is None:
            self._pending = set(finalisers)
        if name in finalisers or (
            not finalisers and (event.get("EventList") or "").lower() == "complete"
        ):
            self._finalise(event)
            self._pending.discard(name)
            return not self._pending
        if not members or name in members:
            self._aggregate(event)
        return False

    def _aggregate(self, event: Message) -> None:
        """Keep a member event (1.x hook; a subclass may override it and call this)."""
        self.events.append(event)
        self._members.setdefault(event.name.lower(), []).append(event)

    def _finalise(self, event: Message) -> None:
        """Take the finalising event: its headers become the aggregate's, and its
        ``ListItems`` is checked against the members received (1.x hook)."""
        self._members[event.name.lower()] = event
        name = type(self)._name or event.name
        pairs = [("Event", name)]
        pairs.extend((k, v) for k, v in event.header_pairs() if k.lower() != "event")
        dict.clear(self)
        Message.__init__(self, pairs, None, None)
        if "ListItems" in event:
            self._check_list_items_count(event, "ListItems")

    def _check_list_items_count(self, event: Message, count_header: str) -> None:
        """Mark the aggregate invalid if ``event[count_header]`` is not the number of
        member events received (1.x hook)."""
        expected = event.get_int(count_header, -1)
        if expected != len(self.events):
            self._problem = f"expected {expected} list items; received {len(self.events)}"

    @property
    def valid(self) -> bool:
        """False if the list's own count disagreed with the events received."""
        return self._problem is None

    @property
    def error_message(self) -> str | None:
        """Why the aggregate is not :attr:`valid` (``None`` when it is)."""
        return self._problem

    @property
    def action_id(self) -> str | None:
        """The ActionID of the request whose list this is."""
        return self.get("ActionID") or self._action_id

    # -- look-ups by event class or member name --------------------------------------------

    def _member_key(self, key: object) -> str | None:
        if isinstance(key, type) and issubclass(key, Message):
            return class_event_name(key).lower()
        return None

    def _members_of(self, name: str) -> Any:
        found = self._members.get(name)
        if found is not None:
            return found
        if name in _declared_names(type(self))[1]:
            return None
        return []

    def __getitem__(self, key: Any) -> Any:
        name = self._member_key(key)
        if name is not None:
            return self._members_of(name)
        try:
            return Message.__getitem__(self, key)
        except KeyError:
            lowered = key.lower() if isinstance(key, str) else None
            if lowered is not None:
                members, finalisers = _declared_names(type(self))
                if lowered in self._members or lowered in members or lowered in finalisers:
                    return self._members_of(lowered)
            raise

    def __contains__(self, key: object) -> bool:
        name = self._member_key(key)
        if name is not None:
            return name in self._members
        return Message.__contains__(self, key)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_aggregate, (type(self), self.header_pairs(), self.events))


def _rebuild_aggregate(
    cls: type[Aggregate], pairs: list[tuple[str, str]], events: list[Message]
) -> Aggregate:
    aggregate = cls(pairs)
    for event in events:
        aggregate._aggregate(event)
    return aggregate


def _import_catalog() -> bool:
    """Import :mod:`pystrix.ami.catalog` (every action and event class); true once it is
    complete.

    False only inside the catalog's own import, on the thread running it: that import is
    then under way and finishes the job.  Another thread waits for it to finish instead.
    """
    import importlib

    catalog = importlib.import_module("pystrix.ami.catalog")
    return bool(getattr(catalog, "_COMPLETE", False))


def _load(level: int) -> None:
    """Import the catalog's event modules (level 1) or the whole catalog (level 2)."""
    global _loaded
    if level >= 2:
        if _import_catalog():
            _loaded = 2
        return
    import importlib

    for module in _EVENT_MODULES:
        importlib.import_module(f"pystrix.ami.{module}")
    _loaded = max(_loaded, 1)


def event_class_for(name: str) -> type[Event]:
    """The class registered for event ``name`` (any case), else :class:`Event`.

    A name no imported class has imports the catalog's event classes first (once; the
    whole catalog for an ``..._Aggregate`` name).
    """
    key = name.lower()
    found = _REGISTRY.get(key)
    if found is None:
        level = 2 if key.endswith("_aggregate") else 1
        if _loaded < level:
            _load(level)
            found = _REGISTRY.get(key)
    return found if found is not None else Event


def registered_event_classes() -> dict[str, type[Event]]:
    """A copy of the registry: lower-cased event name to class (the catalog's included)."""
    _load(2)
    return dict(_REGISTRY)
