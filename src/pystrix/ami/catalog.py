"""Find any action or event class by its AMI name, and what it takes.

Every action class lives in :mod:`~pystrix.ami.core`, :mod:`~pystrix.ami.pjsip`,
:mod:`~pystrix.ami.app_confbridge`, :mod:`~pystrix.ami.app_meetme` or
:mod:`~pystrix.ami.dahdi`, and every event class in the matching ``*_events`` module;
this module imports them all and looks them up by name, in any case::

    >>> from pystrix.ami import catalog
    >>> catalog.action_class("pjsipshowendpoint")
    <class 'pystrix.ami.pjsip.PJSIPShowEndpoint'>
    >>> print(catalog.describe("BridgeKick"))  # parameters, headers, list events

It also makes the ``<Action>_Aggregate`` event class of every list action that has no
hand-written one (``BridgeList_Aggregate``, ``PJSIPShowEndpoints_Aggregate``, ...), so
that the aggregate of any list arrives typed.
"""

from __future__ import annotations

import inspect

from . import (
    app_confbridge,
    app_confbridge_events,
    app_meetme,
    app_meetme_events,
    core,
    core_events,
    dahdi,
    dahdi_events,
    pjsip,
    pjsip_events,
)
from .action import Action, action_class_for, registered_action_classes
from .events import (
    Aggregate,
    Event,
    _from_catalog,
    class_event_name,
    event_class_for,
    registered_event_classes,
)

__all__ = [
    "ACTION_MODULES",
    "EVENT_MODULES",
    "action_class",
    "actions",
    "aggregate_class",
    "describe",
    "event_class",
    "events",
    "list_actions",
]

#: The modules that define action classes.
ACTION_MODULES = (core, pjsip, app_confbridge, app_meetme, dahdi)
#: The modules that define event classes.
EVENT_MODULES = (core_events, pjsip_events, app_confbridge_events, app_meetme_events, dahdi_events)


def action_class(name: str) -> type[Action] | None:
    """The class of action ``name`` (any case), or ``None`` if there is none."""
    return action_class_for(name)


def event_class(name: str) -> type[Event] | None:
    """The class of event ``name`` (any case), or ``None`` if there is none."""
    cls = event_class_for(name)
    return None if cls is Event else cls


def actions() -> dict[str, type[Action]]:
    """Every catalogued action class, by action name (sorted, in Asterisk's spelling)."""
    found = {cls.action_name: cls for cls in registered_action_classes().values()}
    return dict(sorted(found.items(), key=lambda item: item[0].lower()))


def events() -> dict[str, type[Event]]:
    """Every event class, aggregates included, by event name (sorted)."""
    found: dict[str, type[Event]] = {}
    for cls in registered_event_classes().values():
        if cls.__module__.startswith("pystrix."):
            found[class_event_name(cls)] = cls
    return dict(sorted(found.items(), key=lambda item: item[0].lower()))


def list_actions() -> dict[str, type[Action]]:
    """The actions Asterisk answers with an event list, by name."""
    return {name: cls for name, cls in actions().items() if cls.list_complete is not None}


def aggregate_class(action: str) -> type[Aggregate] | None:
    """The ``<Action>_Aggregate`` class of list action ``action``, or ``None``."""
    cls = event_class_for(f"{action}_Aggregate")
    return cls if issubclass(cls, Aggregate) else None


def describe(name: str) -> str:
    """A few lines on action (or event) ``name``: its class, parameters and headers.

    For an action: each constructor parameter with the header it sets and whether it is
    required, and for a list action the events of its list.  For an event: the headers its
    class converts.  ``name`` may also be the class name of another form of an action,
    such as pystrix 1.x's ``Originate_Application`` and ``Originate_Context`` (forms of
    ``Originate``, whose catalogued class is :class:`~pystrix.ami.core.Originate`).
    """
    action = action_class_for(name)
    if action is not None:
        return _describe_action(action)
    form = _action_form(name)
    if form is not None:
        return _describe_action(form)
    event = event_class(name)
    if event is not None:
        return _describe_event(event)
    raise KeyError(f"no action or event named {name!r}")


def _action_form(name: str) -> type[Action] | None:
    """The public action class of an action module named ``name`` (any case) that is not
    its action's catalogued class, or ``None``: the registry knows actions by their
    ``Action`` name, so these forms are found by class name."""
    lowered = name.lower()
    for module in ACTION_MODULES:
        for attribute, value in vars(module).items():
            if (
                attribute.lower() == lowered
                and not attribute.startswith("_")
                and isinstance(value, type)
                and issubclass(value, Action)
                and value.__module__ == module.__name__  # defined there, not imported
                and not value.catalogued
            ):
                return value
    return None


def _summary(cls: type) -> str:
    doc = inspect.getdoc(cls) or ""
    return " ".join(doc.split("\n\n")[0].split())


def _describe_action(cls: type[Action]) -> str:
    lines = [f"{cls.action_name}: {cls.__module__}.{cls.__qualname__}", f"  {_summary(cls)}"]
    catalogued = action_class_for(cls.action_name)
    if not cls.catalogued and catalogued is not None and catalogued is not cls:
        where = f"{catalogued.__module__}.{catalogued.__qualname__}"
        lines.append(f"  another form of {cls.action_name} (the catalogued class is {where})")
    if cls.header_fields:
        width = max(len(field.name) for field in cls.header_fields)
        for field in cls.header_fields:
            state = "required" if field.required else f"optional (default {field.default!r})"
            lines.append(f"  {field.name:<{width}}  {field.header:<24} {state}")
    else:
        lines.append(f"  parameters: {inspect.signature(cls)}")
    if cls.list_complete is not None:
        items = ", ".join(cls.list_events) or "(items)"
        lines.append(f"  list: {items}, then {cls.list_complete}")
        if cls.empty_list_error:
            lines.append(f"  an empty list answers Error: {cls.empty_list_error!r}")
    return "\n".join(lines)


def _describe_event(cls: type[Event]) -> str:
    lines = [f"{cls.event_name}: {cls.__module__}.{cls.__qualname__}", f"  {_summary(cls)}"]
    own: dict[str, list[str]] = {kind: [] for kind in ("int", "float", "bool", "time", "duration")}
    for header, kind in sorted(cls.header_kinds.items()):
        own.setdefault(kind, []).append(header)
    for kind, headers in own.items():
        if headers:
            lines.append(f"  {kind}: {', '.join(headers)}")
    return "\n".join(lines)


def _make_aggregates() -> None:
    """Give every list action without a hand-written aggregate class a generated one."""
    for name, cls in list_actions().items():
        aggregate = f"{name}_Aggregate"
        if _from_catalog(event_class_for(aggregate)):
            continue  # hand-written (a program's own class does not stop this one)
        documentation = (
            f"Every event of one ``{name}`` list ({', '.join(cls.list_events)}), "
            f"sent when ``{cls.list_complete}`` arrives."
        )
        made = type(aggregate, (Aggregate,), {"__doc__": documentation, "__module__": __name__})
        globals()[aggregate] = made


_make_aggregates()

# True once this module has made every class: ``pystrix.ami.events._import_catalog``
# reads it, so that a look-up made while the catalog is still being imported does not
# conclude that the catalog has nothing more to offer.
_COMPLETE = True
