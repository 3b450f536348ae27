"""Declarative AMI actions: a class body that lists the action's headers is the whole class.

Each action in :mod:`~pystrix.ami.core` and its siblings is written like this::

    class BridgeKick(Action):
        \"\"\"Kick a channel from a bridge.\"\"\"

        channel: Annotated[str, "Channel"]
        bridge_uniqueid: Annotated[str | None, "BridgeUniqueid"] = None

An annotated attribute is a header: its Python name becomes a constructor parameter and
the string in ``Annotated`` is the header's name as Asterisk documents it.  An attribute
without a default is required (a missing one is a :class:`TypeError` when the action is
built, before anything reaches Asterisk); one with a default is optional, and ``None``
leaves the header out.  Parameters come in the order written, required ones first, so a
class reads like the action's documentation and type checkers see the constructor
(:func:`typing.dataclass_transform`).  After construction each attribute reads and
writes its header in the request's dictionary.

Values are sent as Python gives them: strings, numbers, booleans (``true``/``false``); a
list or tuple repeats the header; a mapping (``Variable``) becomes one ``name=value``
header per item.  Extra markers after the header name change that:

* :data:`CSV`: a sequence is joined with commas into one header (``Status``'s
  ``Variables``);
* :data:`INDEXED`: a sequence becomes ``Name(0)``, ``Name(1)``, ... (``AOCMessage``).

Class-level settings describe what the action answers: ``list_events`` (the events of its
event list) and ``list_complete`` (the event that closes it) for list actions, and
``action_name`` when the class name is not the action's (pystrix 1.x's
``Originate_Application``).

A class's annotations are read when the class is first used, not when it is defined, so
that importing the catalog does not evaluate hundreds of type hints: the first
construction, the first read of ``header_fields`` (or of a header attribute, or of the
signature) works the fields out and stores them on the class, and every later use reads
plain class attributes.  An attribute that would hide one of :class:`Request`'s is still
refused when the class is defined.
"""

from __future__ import annotations

import sys
from _thread import RLock
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, get_args, get_origin, get_type_hints

from .events import _import_catalog
from .request import Request

if TYPE_CHECKING:
    import inspect

if sys.version_info >= (3, 11):
    from typing import dataclass_transform
elif TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**kwargs: Any) -> Any:
        """Python 3.10 has no ``typing.dataclass_transform``: a no-op stand-in."""
        return lambda cls: cls


__all__ = [
    "CSV",
    "INDEXED",
    "Action",
    "HeaderField",
    "action_class_for",
    "registered_action_classes",
]

#: Marker: join a sequence with commas into one header.
CSV = "csv"
#: Marker: send a sequence as ``Name(0)``, ``Name(1)``, ...
INDEXED = "indexed"

# ``inspect`` (some milliseconds to import) is imported when a class is first used.


class _Absent:
    """Marks a name that a class body does not set (``None`` is a value like any other)."""

    def __repr__(self) -> str:
        return "<absent>"


_ABSENT: Any = _Absent()


def _parameter_empty() -> Any:
    """``inspect.Parameter.empty``: the default of a required field, as in a signature."""
    import inspect

    return inspect.Parameter.empty


_ACTIONS: dict[str, type[Action]] = {}


class HeaderField:
    """One header of an action class: its parameter, header name, default and markers.

    It is also the attribute on the class: reading it on an action gives the header's value
    as it will be sent (``None`` when absent), assigning it sets the header.
    """

    __slots__ = ("default", "header", "markers", "name")

    def __init__(self, name: str, header: str, default: Any, markers: tuple[str, ...]) -> None:
        self.name = name
        self.header = header
        self.default = default
        self.markers = markers

    @property
    def required(self) -> bool:
        """True when the constructor needs a value for it."""
        return self.default is _parameter_empty()

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        if INDEXED in self.markers:
            prefix = f"{self.header}("
            return [value for key, value in instance.items() if key.startswith(prefix)] or None
        return instance.get(self.header)

    def __set__(self, instance: Any, value: Any) -> None:
        if INDEXED in self.markers:
            prefix = f"{self.header}("
            for key in [key for key in instance if key.startswith(prefix)]:
                del instance[key]
            for index, item in enumerate(value or ()):
                instance[f"{self.header}({index})"] = item
            return
        encoded = self.encode(value)
        if encoded is None:
            instance.pop(self.header, None)
        else:
            instance[self.header] = encoded

    def encode(self, value: Any) -> Any:
        """The value to store for the serializer (``None``: leave the header out)."""
        if value is None:
            return None
        if isinstance(value, Mapping):
            return [f"{key}={item}" for key, item in value.items()] or None
        if CSV in self.markers and not isinstance(value, str) and isinstance(value, Iterable):
            return ",".join(str(item) for item in value) or None
        if isinstance(value, (list, tuple, set, frozenset)):
            return list(value) or None
        return value

    def __repr__(self) -> str:
        state = "required" if self.required else f"default={self.default!r}"
        return f"<HeaderField {self.name} -> {self.header} ({state})>"


class _FromListDeclaration:
    """A pystrix 1.x list attribute (``_aggregates``, ``_synchronous_events_list``,
    ``_synchronous_events_finalising``) of a catalogued action, derived from its
    ``list_events`` and ``list_complete`` when read.

    Read at send time, not at class creation, because the event classes live in modules
    imported after the actions.  A class that assigns the attribute itself (a program's
    subclass with its own aggregate) overrides it.
    """

    def __init__(self, which: str) -> None:
        self._which = which

    def __get__(self, instance: Any, owner: type[Action]) -> tuple[type[Any], ...]:
        from .events import Aggregate, event_class_for  # imported after this module

        if owner.list_complete is None:
            return ()
        if self._which == "aggregates":
            found = event_class_for(f"{owner.action_name}_Aggregate")
            return (found,) if issubclass(found, Aggregate) else ()
        names = owner.list_events if self._which == "list" else (owner.list_complete,)
        return tuple(event_class_for(name) for name in names)


#: A class's own ``__dict__`` holds this key until its fields are worked out.
_PENDING = "_pending_declaration"
#: Class attributes derived from the annotations, worked out on first use.
_DERIVED = ("header_fields", "_required_fields", "__signature__")
# Held while a class's fields are worked out: a thread that meets a deferred attribute
# meanwhile waits for the finished class rather than reading a half-built one.
_RESOLVING = RLock()


class _Pending:
    """What a class body declared, kept until the class is first used."""

    __slots__ = ("body", "custom_init", "direct")

    def __init__(self, body: dict[str, Any], custom_init: bool, direct: bool) -> None:
        #: Each annotated (and derived) name and its value in the class body
        #: (``_ABSENT`` if it has none).
        self.body = body
        #: The class (or an ancestor) has a hand-written constructor.
        self.custom_init = custom_init
        #: The class inherited :class:`Action`'s own constructor.
        self.direct = direct


class _Deferred:
    """Stands in a class's ``__dict__`` for an attribute worked out on first use.

    Reading, setting or deleting it (on the class or on an instance) finishes the class,
    which puts the real attribute in its place, then does the same on the real one.
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        cls = owner if owner is not None else type(instance)
        _resolve(cls)
        return getattr(cls if instance is None else instance, self.name)

    def __set__(self, instance: Any, value: Any) -> None:
        _resolve(type(instance))
        setattr(instance, self.name, value)

    def __delete__(self, instance: Any) -> None:
        _resolve(type(instance))
        delattr(instance, self.name)

    def __repr__(self) -> str:
        return f"<deferred {self.name}>"


def _own_hints(cls: type, namespace: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """The evaluated annotations ``own`` of ``cls`` (``namespace`` is its class body).

    The same values ``typing.get_type_hints(cls, include_extras=True)`` gives for those
    names (the module's globals first, then the class body, then builtins), without
    evaluating every ancestor's annotations again for each class.
    """
    module_namespace = getattr(sys.modules.get(cls.__module__), "__dict__", {})
    stand_in = type(cls.__name__, (), {"__annotations__": dict(own)})
    return get_type_hints(
        stand_in, globalns=dict(namespace), localns=module_namespace, include_extras=True
    )


def _declared_fields(cls: type, namespace: dict[str, Any]) -> list[HeaderField]:
    """The fields a class body declares itself, in order (``namespace``: that body)."""
    own = _own_annotations(cls)
    if not own:
        return []
    hints = _own_hints(cls, namespace, own)
    fields = []
    for name in own:
        hint = hints.get(name)
        if get_origin(hint) is not Annotated:
            continue
        metadata = [item for item in get_args(hint)[1:] if isinstance(item, str)]
        if not metadata:
            continue
        default = namespace.get(name, _parameter_empty())
        fields.append(HeaderField(name, metadata[0], default, tuple(metadata[1:])))
    return fields


def _inherited(cls: type, name: str) -> Any:
    """What ``cls.name`` would be without ``cls``'s own entry (``_ABSENT`` if nothing)."""
    for base in cls.__mro__[1:]:
        if name in base.__dict__:
            return base.__dict__[name]
    return _ABSENT


def _own_annotations(cls: type) -> dict[str, Any]:
    """The annotations of ``cls``'s own body (what ``inspect.get_annotations`` gives)."""
    own = cls.__dict__.get("__annotations__")  # noqa: RUF063  (inspect is imported later)
    return dict(own) if isinstance(own, dict) else {}


def _defer(cls: type[Action], own: dict[str, Any], custom_init: bool, direct: bool) -> None:
    """Put off working out ``cls``'s fields: every annotated name (``own``) and derived
    attribute becomes a :class:`_Deferred` until the class is first used."""
    body = {name: cls.__dict__.get(name, _ABSENT) for name in (*own, *_DERIVED)}
    setattr(cls, _PENDING, _Pending(body, custom_init, direct))
    for name in body:
        setattr(cls, name, _Deferred(name))


def _resolve(cls: type) -> None:
    """Finish every class of ``cls``'s hierarchy whose fields are still deferred."""
    with _RESOLVING:
        for klass in reversed(cls.__mro__):
            pending = klass.__dict__.get(_PENDING)
            if isinstance(pending, _Pending):
                _finish(klass, pending)


def _finish(cls: type, pending: _Pending) -> None:
    """Work out ``cls``'s fields (its ancestors are finished) and install them.

    This is what defining the class did before it was deferred.  Everything is computed
    before the class is touched; then each deferred attribute is replaced by its value,
    or removed where the class inherits it.
    """
    body = pending.body
    namespace = {
        name: value
        for name, value in cls.__dict__.items()
        if name != _PENDING and not isinstance(value, _Deferred)
    }
    namespace.update((name, value) for name, value in body.items() if value is not _ABSENT)
    declared = _declared_fields(cls, namespace)
    for field in declared:
        # A header attribute must not hide the request's own (``timeout`` is the wait).
        if hasattr(Request, field.name):
            raise TypeError(f"{cls.__name__}.{field.name} would hide Request.{field.name}")
    values = dict(body)
    values.update((field.name, field) for field in declared)
    header_fields: tuple[HeaderField, ...] = body["header_fields"]
    if header_fields is _ABSENT:
        header_fields = _inherited(cls, "header_fields")
    if declared:
        header_fields = values["header_fields"] = (*header_fields, *declared)
        values["_required_fields"] = sum(field.required for field in header_fields)
    if not pending.custom_init and (declared or pending.direct):
        import inspect

        parameters = [
            inspect.Parameter(
                field.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=field.default
            )
            for field in header_fields
        ]
        # inspect.signature(cls) reads it, so help() and IDEs show the parameters.
        values["__signature__"] = inspect.Signature(parameters)
        if "__init__" not in cls.__dict__:
            cls.__init__ = _declarative_init  # type: ignore[misc]
    for name, value in values.items():
        if not isinstance(cls.__dict__.get(name), _Deferred):
            continue  # assigned on the class since it was defined: that value stays
        if value is _ABSENT:
            delattr(cls, name)
        else:
            setattr(cls, name, value)
    delattr(cls, _PENDING)


def _declarative_init(self: Action, *args: Any, **kwargs: Any) -> None:
    cls = type(self)
    arguments: Mapping[str, Any]
    if args or kwargs or cls._required_fields:
        signature: inspect.Signature | None = getattr(cls, "__signature__", None)
        if signature is None:  # Action itself
            import inspect

            signature = inspect.Signature()
        try:
            arguments = signature.bind(*args, **kwargs).arguments
        except TypeError as error:
            raise TypeError(f"{cls.__name__}: {error}") from None
    else:
        arguments = {}  # every field takes its default: no binding to do (Ping())
    self["Action"] = cls.action_name  # what Request.__init__ does, without the calls
    for field in cls.header_fields:
        value = arguments.get(field.name, field.default)
        if value is not None:
            field.__set__(self, value)
    if cls.prepare is not Action.prepare:
        self.prepare()


@dataclass_transform()
class Action(Request):
    """Base of every action class; see the module documentation for the declarative form.

    Class attributes (read them to learn about an action without sending it):

    * ``action_name``: the ``Action`` header (the class name unless set).
    * ``header_fields``: the :class:`HeaderField` of each constructor parameter, in order.
    * ``list_events`` / ``list_complete``: for a list action, the events that make up its
      list and the one that ends it.  Send it with ``synchronous = True`` to get them in
      ``events``, or ``aggregate = True`` for an ``<Action>_Aggregate`` event.
    * ``empty_list_error``: set when Asterisk answers an empty list with ``Error`` rather
      than an empty list (``ConfbridgeListRooms``: ``No active conferences.``).
    * ``catalogued``: false for alternative forms (``Originate_Application``) that are not
      *the* class of their action in :mod:`pystrix.ami.catalog`.
    """

    action_name: ClassVar[str] = ""
    header_fields: ClassVar[tuple[HeaderField, ...]] = ()
    list_events: ClassVar[tuple[str, ...]] = ()
    list_complete: ClassVar[str | None] = None
    empty_list_error: ClassVar[str | None] = None
    catalogued: ClassVar[bool] = True
    # How many constructor parameters have no default (set per class).
    _required_fields: ClassVar[int] = 0

    _aggregates = _FromListDeclaration("aggregates")
    _synchronous_events_list = _FromListDeclaration("list")
    _synchronous_events_finalising = _FromListDeclaration("finalising")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.action_name:
            # Direct children of Action are named after themselves; a subclass of an action
            # class (``Originate_Application``, a user's ``MyStatus``) sends its parent's.
            cls.action_name = cls.__name__
        if "catalogued" not in cls.__dict__:
            # Private helpers (``_Originate``) are never the catalogued class of an action.
            cls.catalogued = not cls.__name__.startswith("_")
        # Generate the constructor unless the class (or a hand-written ancestor) has one.
        custom_init = "__init__" in cls.__dict__ or cls.__init__ not in (
            Action.__init__,
            _declarative_init,
        )
        direct = cls.__init__ is Action.__init__
        if not custom_init and direct:
            # Needed now (construction is what works the fields out); the signature and
            # the fields come on first use.
            cls.__init__ = _declarative_init  # type: ignore[method-assign]
        # The annotations are evaluated on first use (see the module documentation) ...
        own = _own_annotations(cls)
        _defer(cls, own, custom_init, direct)
        if any(hasattr(Request, name) for name in own):
            # ... except when one may hide a Request attribute: refused now, as always.
            _resolve(cls)
        if cls.catalogued:
            registered = _ACTIONS.setdefault(cls.action_name.lower(), cls)
            if registered is not cls and _from_catalog(cls) and not _from_catalog(registered):
                # The catalog's class of an action is found before a program's own class
                # of the same name, whichever was defined first.
                _ACTIONS[cls.action_name.lower()] = cls

    def __init__(self) -> None:
        # Type checkers see this for actions without headers; at run time every subclass
        # gets a generated constructor (or has its own, which calls Request.__init__).
        _declarative_init(self)

    def prepare(self) -> None:
        """Called by a generated constructor once the headers are set; a no-op here.

        A class overrides it to derive request settings from its headers (a synchronous
        ``Originate`` waits longer).
        """

    @classmethod
    def required_headers(cls) -> tuple[str, ...]:
        """The headers the constructor requires (declarative classes), in order."""
        return tuple(field.header for field in cls.header_fields if field.required)

    @property
    def is_list(self) -> bool:
        """True when Asterisk answers this action with an event list."""
        return self.list_complete is not None


#: The modules of the catalog that define action classes (see :mod:`pystrix.ami.catalog`).
_CATALOG_MODULES = frozenset(
    f"pystrix.ami.{name}" for name in ("core", "pjsip", "app_confbridge", "app_meetme", "dahdi")
)
_catalog_loaded = False


def _from_catalog(cls: type) -> bool:
    """True for a class defined by the catalog (not by a program)."""
    return cls.__module__ in _CATALOG_MODULES


def _load_catalog() -> None:
    """Import the catalog once, so that a look-up finds every action class."""
    global _catalog_loaded
    if not _catalog_loaded and _import_catalog():
        _catalog_loaded = True


def action_class_for(name: str) -> type[Action] | None:
    """The catalogued class of action ``name`` (any case), or ``None``.

    Until the catalog is imported, a look-up that does not find one of its classes
    imports it (the catalog's class of an action takes precedence over a program's).
    """
    found = _ACTIONS.get(name.lower())
    if not _catalog_loaded and (found is None or not _from_catalog(found)):
        _load_catalog()
        found = _ACTIONS.get(name.lower())
    return found


def registered_action_classes() -> dict[str, type[Action]]:
    """A copy of the registry: lower-cased action name to class (the catalog's included)."""
    _load_catalog()
    return dict(_ACTIONS)
