"""Core AMI actions, with pystrix 1.x names and constructor signatures.

Each class builds one action; send it with ``Manager.send_action``.  Header names follow
Asterisk's documentation; parameters take Python values (``None`` leaves a header out).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .errors import ManagerError
from .message import Message
from .request import Request, is_success

__all__ = [
    "AUTHTYPE_MD5",
    "AbsoluteTimeout",
    "Challenge",
    "Command",
    "CoreShowChannels",
    "DBDel",
    "DBDelTree",
    "DBGet",
    "DBPut",
    "Events",
    "Getvar",
    "Hangup",
    "ListCommands",
    "Login",
    "Logoff",
    "ManagerAuthError",
    "Originate_Application",
    "Originate_Context",
    "Ping",
    "Redirect",
    "Setvar",
    "Status",
    "UserEvent",
]

#: The only challenge type Asterisk offers.
AUTHTYPE_MD5 = "MD5"


class ManagerAuthError(ManagerError):
    """Asterisk refused a ``Login``; the message is Asterisk's (``Authentication failed``).

    Asterisk closes the connection right after refusing a login.
    """


class AbsoluteTimeout(Request):
    """Hang ``channel`` up after ``seconds`` (0 cancels a pending timeout)."""

    def __init__(self, channel: str, seconds: int = 0) -> None:
        super().__init__("AbsoluteTimeout")
        self["Channel"] = channel
        self["Timeout"] = int(seconds)


class Challenge(Request):
    """Ask for a challenge token; ``result['Challenge']`` goes to ``Login(challenge=...)``."""

    def __init__(self, authtype: str = AUTHTYPE_MD5) -> None:
        super().__init__("Challenge")
        self["AuthType"] = authtype


class Command(Request):
    """Run a CLI command; the output lines are in the response's ``data`` list.

    Both output formats (Asterisk 14+ ``Output:`` headers and the older
    ``Response: Follows`` block) give the same ``data``.
    """

    def __init__(self, command: str) -> None:
        super().__init__("Command")
        self["Command"] = command


class CoreShowChannels(Request):
    """List every active channel: ``CoreShowChannel`` events, then
    ``CoreShowChannelsComplete``; set ``synchronous`` to get them in ``events``."""

    def __init__(self) -> None:
        super().__init__("CoreShowChannels")


class DBDel(Request):
    """Delete ``family``/``key`` from Asterisk's database."""

    def __init__(self, family: str, key: str) -> None:
        super().__init__("DBDel")
        self["Family"] = family
        self["Key"] = key


class DBDelTree(Request):
    """Delete a whole ``family`` (or the subtree under ``key``) from the database."""

    def __init__(self, family: str, key: str | None = None) -> None:
        super().__init__("DBDelTree")
        self["Family"] = family
        if key is not None:
            self["Key"] = key


class DBGet(Request):
    """Read ``family``/``key`` from the database.

    Synchronous by default: the value arrives in a ``DBGetResponse`` event, which this
    request copies into its result as ``result['Val']``.  A missing entry answers
    ``Error`` (``Database entry not found``).
    """

    synchronous = True

    def __init__(self, family: str, key: str) -> None:
        super().__init__("DBGet")
        self["Family"] = family
        self["Key"] = key

    def build_result(self, response: Message, events: list[Message]) -> Any:
        """The response, with ``Val`` copied from the ``DBGetResponse`` event."""
        result = self.process_response(response)
        for event in events:
            if event.name == "DBGetResponse" and "Val" in event:
                result["Val"] = event["Val"]
        return result


class DBPut(Request):
    """Store ``value`` under ``family``/``key`` in the database."""

    def __init__(self, family: str, key: str, value: str) -> None:
        super().__init__("DBPut")
        self["Family"] = family
        self["Key"] = key
        self["Val"] = value


class Events(Request):
    """Choose which event classes this session receives.

    ``mask``: ``True``/``'on'`` for all, ``False``/``'off'`` for none, or classes such as
    ``['call', 'system']`` (a list or a comma-separated string).
    """

    def __init__(self, mask: bool | str | Sequence[str]) -> None:
        super().__init__("Events")
        if mask is True:
            value = "on"
        elif mask is False:
            value = "off"
        elif isinstance(mask, str):
            value = mask
        else:
            value = ",".join(mask)
        self["EventMask"] = value


class Getvar(Request):
    """Read ``variable`` (or a function such as ``CHANNEL(name)``), on ``channel`` or
    globally; the value is ``result['Value']``."""

    def __init__(self, variable: str, channel: str | None = None) -> None:
        super().__init__("Getvar")
        self["Variable"] = variable
        if channel is not None:
            self["Channel"] = channel


class Hangup(Request):
    """Hang ``channel`` up."""

    def __init__(self, channel: str) -> None:
        super().__init__("Hangup")
        self["Channel"] = channel


class ListCommands(Request):
    """List the actions this session may use: one header per action."""

    def __init__(self) -> None:
        super().__init__("ListCommands")


class Login(Request):
    """Authenticate, with the secret in plain text or, given ``challenge``, as an MD5 key.

    ``events=False`` logs in with events off.  A refused login raises
    :class:`ManagerAuthError` from ``send_action``.
    """

    def __init__(
        self,
        username: str,
        secret: str,
        events: bool = True,
        challenge: str | None = None,
        authtype: str = AUTHTYPE_MD5,
    ) -> None:
        super().__init__("Login")
        self["Username"] = username
        if challenge is not None:
            self["AuthType"] = authtype
            self["Key"] = hashlib.md5((challenge + secret).encode("utf-8")).hexdigest()
        else:
            self["Secret"] = secret
        if not events:
            self["Events"] = "off"

    def process_response(self, response: Message) -> Message:
        """Raise :class:`ManagerAuthError` unless the login was accepted."""
        if not is_success(response):
            raise ManagerAuthError(response.get("Message") or "Authentication failed")
        return response


class Logoff(Request):
    """End the session; Asterisk answers ``Goodbye`` and closes the connection."""

    def __init__(self) -> None:
        super().__init__("Logoff")


def _variables(variables: Mapping[str, Any] | Iterable[str]) -> list[str]:
    if isinstance(variables, Mapping):
        return [f"{name}={value}" for name, value in variables.items()]
    return [str(item) for item in variables]


class _Originate(Request):
    """Shared headers of the two Originate forms.

    ``timeout`` is in milliseconds, as Asterisk and pystrix 1.x take it: how long the
    channel may ring.  A synchronous originate (``async_=False``) answers only when the
    call is answered or fails, so the request waits ``timeout`` plus 5 s for it.
    """

    def __init__(
        self,
        channel: str,
        timeout: int | None = None,
        callerid: str | None = None,
        variables: Mapping[str, Any] | Iterable[str] = (),
        account: str | None = None,
        async_: bool = True,
    ) -> None:
        super().__init__("Originate")
        self["Channel"] = channel
        if timeout is not None:
            self["Timeout"] = int(timeout)
            if not async_:
                self.timeout = timeout / 1000 + 5
        elif not async_:
            # Asterisk rings for 30 s by default before a synchronous originate fails.
            self.timeout = 35
        if callerid is not None:
            self["CallerID"] = callerid
        values = _variables(variables)
        if values:
            self["Variable"] = values
        if account is not None:
            self["Account"] = account
        self["Async"] = "true" if async_ else "false"


class Originate_Application(_Originate):
    """Call ``channel`` and, once answered, run ``application`` with ``data``.

    ``data`` is a string or a sequence of arguments (joined with commas).
    """

    def __init__(
        self,
        channel: str,
        application: str,
        data: str | Sequence[str] = (),
        timeout: int | None = None,
        callerid: str | None = None,
        variables: Mapping[str, Any] | Iterable[str] = (),
        account: str | None = None,
        async_: bool = True,
    ) -> None:
        super().__init__(channel, timeout, callerid, variables, account, async_)
        self["Application"] = application
        text = data if isinstance(data, str) else ",".join(str(item) for item in data)
        if text:
            self["Data"] = text


class Originate_Context(_Originate):
    """Call ``channel`` and, once answered, send it to ``context``/``extension``/``priority``."""

    def __init__(
        self,
        channel: str,
        context: str,
        extension: str,
        priority: int | str,
        timeout: int | None = None,
        callerid: str | None = None,
        variables: Mapping[str, Any] | Iterable[str] = (),
        account: str | None = None,
        async_: bool = True,
    ) -> None:
        super().__init__(channel, timeout, callerid, variables, account, async_)
        self["Context"] = context
        self["Exten"] = extension
        self["Priority"] = priority


class Ping(Request):
    """Check the session is alive; Asterisk answers ``Ping: Pong`` with a ``Timestamp``."""

    def __init__(self) -> None:
        super().__init__("Ping")


class Redirect(Request):
    """Send ``channel`` to ``context``/``extension``/``priority``."""

    def __init__(self, channel: str, context: str, extension: str, priority: int | str) -> None:
        super().__init__("Redirect")
        self["Channel"] = channel
        self["Context"] = context
        self["Exten"] = extension
        self["Priority"] = priority


class Setvar(Request):
    """Set ``variable`` to ``value`` on ``channel``, or globally without one."""

    def __init__(self, variable: str, value: str, channel: str | None = None) -> None:
        super().__init__("Setvar")
        self["Variable"] = variable
        self["Value"] = value
        if channel is not None:
            self["Channel"] = channel


class Status(Request):
    """Status of ``channel``, or of every channel: ``Status`` events, then
    ``StatusComplete``; set ``synchronous`` to get them in ``events``.

    ``variables`` names channel variables to include in each ``Status`` event.
    """

    def __init__(self, channel: str | None = None, variables: Sequence[str] = ()) -> None:
        super().__init__("Status")
        if channel is not None:
            self["Channel"] = channel
        if variables:
            self["Variables"] = ",".join(variables)


class UserEvent(Request):
    """Broadcast a ``UserEvent`` to every session; keyword arguments become its headers.

    ``UserEvent(UserEvent='Name', Key1='v1')``, or the name as the first argument:
    ``UserEvent('Name', Key1='v1')``.  A list value repeats its header.
    """

    def __init__(self, user_event: str | None = None, **kwargs: Any) -> None:
        super().__init__("UserEvent")
        if user_event is not None:
            self["UserEvent"] = user_event
        for key, value in kwargs.items():
            self[key] = value
