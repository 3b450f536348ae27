"""AMI actions of chan_dahdi (DAHDI telephony hardware), with pystrix 1.x names.

chan_dahdi is not loaded on every Asterisk; without it these actions answer
``Invalid/unknown command``.  Each class is declared as a list of headers (see
:mod:`pystrix.ami.action`)."""

from __future__ import annotations

from typing import Annotated

from .action import Action
from .request import Request


class DAHDIDNDoff(Action):
    """Turn Do Not Disturb off on a DAHDI channel."""

    dahdi_channel: Annotated[str, "DAHDIChannel"]


class DAHDIDNDon(Action):
    """Turn Do Not Disturb on on a DAHDI channel."""

    dahdi_channel: Annotated[str, "DAHDIChannel"]


class DAHDIDialOffhook(Action):
    """Dial ``number`` on an off-hook DAHDI channel."""

    dahdi_channel: Annotated[str, "DAHDIChannel"]
    number: Annotated[str, "Number"]


class DAHDIHangup(Action):
    """Hang up a DAHDI channel."""

    dahdi_channel: Annotated[str, "DAHDIChannel"]


class DAHDIRestart(Action):
    """Fully restart the DAHDI channels (calls in progress are dropped)."""


class DAHDIShowChannels(Action):
    """List DAHDI channels (or one): ``DAHDIShowChannels`` events, then
    ``DAHDIShowChannelsComplete``."""

    list_events = ("DAHDIShowChannels",)
    list_complete = "DAHDIShowChannelsComplete"

    dahdi_channel: Annotated[str | None, "DAHDIChannel"] = None


class DAHDITransfer(Action):
    """Transfer a DAHDI channel (flash)."""

    dahdi_channel: Annotated[str, "DAHDIChannel"]


class PRIDebugFileSet(Action):
    """Send ISDN debug output to a file (chan_dahdi)."""

    file: Annotated[str, "File"]


class PRIDebugFileUnset(Action):
    """Stop sending ISDN debug output to a file (chan_dahdi)."""


class PRIDebugSet(Action):
    """Set the ISDN debug level of a span (chan_dahdi)."""

    span: Annotated[int, "Span"]
    level: Annotated[int, "Level"]


class PRIShowSpans(Action):
    """List ISDN spans: ``PRIShowSpans`` events (chan_dahdi). A list action: ``PRIShowSpans``
    events, then ``PRIShowSpansComplete``.
    """

    list_events = ("PRIShowSpans",)
    list_complete = "PRIShowSpansComplete"

    span: Annotated[int | None, "Span"] = None


#: pystrix 1.x programs import the base class from here.
_Request = Request
