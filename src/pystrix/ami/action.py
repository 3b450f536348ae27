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
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, get_args, get_origin, get_type_hints

from .request import Request

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

_MISSING: Any = inspect.Parameter.empty
_NO_PARAMETERS = inspect.Signature()
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
        return self.default is _MISSING

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


def _declared_fields(cls: type) -> list[HeaderField]:
    """The fields a class body declares itself, in order."""
    own = inspect.get_annotations(cls)
    if not own:
        return []
    hints = get_type_hints(cls, include_extras=True)
    fields = []
    for name in own:
        hint = hints.get(name)
        if get_origin(hint) is not Annotated:
            continue
        metadata = [item for item in get_args(hint)[1:] if isinstance(item, str)]
        if not metadata:
            continue
        default = cls.__dict__.get(name, _MISSING)
        fields.append(HeaderField(name, metadata[0], default, tuple(metadata[1:])))
    return fields


def _declarative_init(self: Action, *args: Any, **kwargs: Any) -> None:
    cls = type(self)
    arguments: Mapping[str, Any]
    if args or kwargs or cls._required_fields:
        signature: inspect.Signature = getattr(cls, "__signature__", _NO_PARAMETERS)
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
        declared = _declared_fields(cls)
        for field in declared:
            # A header attribute must not hide the request's own (``timeout`` is the wait).
            if hasattr(Request, field.name):
                raise TypeError(f"{cls.__name__}.{field.name} would hide Request.{field.name}")
        if declared:
            cls.header_fields = (*cls.header_fields, *declared)
            cls._required_fields = sum(field.required for field in cls.header_fields)
            for field in declared:
                setattr(cls, field.name, field)
        # Generate the constructor unless the class (or a hand-written ancestor) has one.
        custom_init = "__init__" in cls.__dict__ or cls.__init__ not in (
            Action.__init__,
            _declarative_init,
        )
        if not custom_init and (declared or cls.__init__ is Action.__init__):
            parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
            parameters += [
                inspect.Parameter(
                    field.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=field.default
                )
                for field in cls.header_fields
            ]
            signature = inspect.Signature(parameters)
            # inspect.signature(cls) reads it, so help() and IDEs show the parameters.
            setattr(cls, "__signature__", signature.replace(parameters=parameters[1:]))  # noqa: B010
            cls.__init__ = _declarative_init  # type: ignore[method-assign]
        if cls.catalogued:
            _ACTIONS.setdefault(cls.action_name.lower(), cls)

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


def action_class_for(name: str) -> type[Action] | None:
    """The catalogued class of action ``name`` (any case), or ``None``."""
    return _ACTIONS.get(name.lower())


def registered_action_classes() -> dict[str, type[Action]]:
    """A copy of the registry: lower-cased action name to class."""
    return dict(_ACTIONS)
