"""AMI actions of app_confbridge (ConfBridge conferences), with pystrix 1.x names.

Each class is declared as a list of headers (see :mod:`pystrix.ami.action`).
``ConfbridgeMoHOn``, ``ConfbridgeMoHOff`` and ``ConfbridgePlayFile`` are pystrix 1.x classes
for actions that stock Asterisk does not have (they came from a patched app_confbridge);
stock Asterisk answers them ``Invalid/unknown command``."""

from __future__ import annotations

from typing import Annotated

from .action import Action
from .request import Request


class ConfbridgeKick(Action):
    """Kick a Confbridge user. Since Asterisk 10.0.0."""

    conference: Annotated[str, "Conference"]
    channel: Annotated[str, "Channel"]


class ConfbridgeList(Action):
    """List participants in a conference. Since Asterisk 10.0.0. A list action:
    ``ConfbridgeList`` events, then ``ConfbridgeListComplete``.
    """

    list_events = ("ConfbridgeList",)
    list_complete = "ConfbridgeListComplete"
    empty_list_error = "No active conferences."

    conference: Annotated[str, "Conference"]


class ConfbridgeListRooms(Action):
    """List active conferences. Since Asterisk 10.0.0. A list action: ``ConfbridgeListRooms``
    events, then ``ConfbridgeListRoomsComplete``.

    With no conference, Asterisk answers ``Error`` (``No active conferences.``) rather
    than an empty list.
    """

    list_events = ("ConfbridgeListRooms",)
    list_complete = "ConfbridgeListRoomsComplete"
    empty_list_error = "No active conferences."


class ConfbridgeLock(Action):
    """Lock a Confbridge conference. Since Asterisk 10.0.0."""

    conference: Annotated[str, "Conference"]


class ConfbridgeMute(Action):
    """Mute a Confbridge user. Since Asterisk 10.0.0."""

    conference: Annotated[str, "Conference"]
    channel: Annotated[str, "Channel"]


class ConfbridgeSetSingleVideoSrc(Action):
    """Set a conference user as the single video source distributed to all other participants.
    Since Asterisk 10.0.0.
    """

    conference: Annotated[str, "Conference"]
    channel: Annotated[str, "Channel"]


class ConfbridgeStartRecord(Action):
    """Start recording a Confbridge conference. Since Asterisk 10.0.0."""

    conference: Annotated[str, "Conference"]
    filename: Annotated[str | None, "RecordFile"] = None


class ConfbridgeStopRecord(Action):
    """Stop recording a Confbridge conference. Since Asterisk 10.0.0."""

    conference: Annotated[str, "Conference"]


class ConfbridgeUnlock(Action):
    """Unlock a Confbridge conference. Since Asterisk 10.0.0."""

    conference: Annotated[str, "Conference"]


class ConfbridgeUnmute(Action):
    """Unmute a Confbridge user. Since Asterisk 10.0.0."""

    conference: Annotated[str, "Conference"]
    channel: Annotated[str, "Channel"]


class ConfbridgeMoHOn(Action):
    """Start music on hold for a participant (not in stock Asterisk: see the module
    documentation)."""

    conference: Annotated[str, "Conference"]
    channel: Annotated[str, "Channel"]


class ConfbridgeMoHOff(Action):
    """Stop music on hold for a participant (not in stock Asterisk)."""

    conference: Annotated[str, "Conference"]
    channel: Annotated[str, "Channel"]


class ConfbridgePlayFile(Action):
    """Play ``file`` to a conference or one participant (not in stock Asterisk)."""

    file: Annotated[str, "File"]
    conference: Annotated[str, "Conference"]
    channel: Annotated[str | None, "Channel"] = None


#: pystrix 1.x programs import the base class from here.
_Request = Request
