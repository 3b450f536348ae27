"""Event classes of chan_dahdi (DAHDI telephony hardware), with pystrix 1.x names."""

from __future__ import annotations

from .core_events import _CHANNEL
from .events import Aggregate, Event

__all__ = [
    "Alarm",
    "AlarmClear",
    "DAHDIChannel",
    "DAHDIShowChannels",
    "DAHDIShowChannelsComplete",
    "DAHDIShowChannels_Aggregate",
    "DNDState",
    "PRIShowSpans",
    "PRIShowSpansComplete",
    "SpanAlarm",
    "SpanAlarmClear",
]


class Alarm(Event):
    """A DAHDI channel raised an alarm. Since Asterisk 12.0.0."""


class AlarmClear(Event):
    """A DAHDI channel's alarm cleared. Since Asterisk 12.0.0."""


class DAHDIChannel(Event):
    """A DAHDI channel was associated with an Asterisk channel. Since Asterisk 12.0.0."""

    int_headers = _CHANNEL


class DAHDIShowChannels(Event):
    """One DAHDI channel in the answer to ``DAHDIShowChannels``."""

    bool_headers = ("DND",)


class DAHDIShowChannelsComplete(Event):
    """The end of a ``DAHDIShowChannels`` list."""

    int_headers = ("ListItems", "Items")


class DNDState(Event):
    """A DAHDI channel's Do Not Disturb state changed. Since Asterisk 12.0.0."""


class PRIShowSpans(Event):
    """One ISDN span in the answer to ``PRIShowSpans``."""

    int_headers = ("Span",)
    bool_headers = ("Up", "Active")


class PRIShowSpansComplete(Event):
    """The end of a ``PRIShowSpans`` list."""

    int_headers = ("ListItems",)


class SpanAlarm(Event):
    """A DAHDI span raised an alarm. Since Asterisk 12.0.0."""

    int_headers = ("Span",)


class SpanAlarmClear(Event):
    """A DAHDI span's alarm cleared. Since Asterisk 12.0.0."""

    int_headers = ("Span",)


class DAHDIShowChannels_Aggregate(Aggregate):
    """Every ``DAHDIShowChannels`` event of one list."""


#: pystrix 1.x programs import the base classes from here.
_Event = Event
_Aggregate = Aggregate
