"""Serving one server's action stream: the bridge's side of actions through Redis.

The bridge that holds a server's lease runs :func:`serve_actions` for it.  Services
append :class:`~pystrix.fleet.streams.ActionEntry` records to ``P:actions:S``; this
reads them in the consumer group :data:`~pystrix.fleet.streams.ACTION_GROUP`, checks
each one, sends it through the :class:`~pystrix.fleet.Fleet` and pushes the
:class:`~pystrix.fleet.streams.Reply` where the caller waits.

Actions are carried out at most once.  Before an action is handed to the Manager its
entry id is written to ``P:inflight:S``; the mark is removed in the same transaction
that pushes the reply and acknowledges the entry.  A bridge that takes a server over
claims every entry still pending in the group: one with a mark may have reached
Asterisk before its bridge died, so its caller gets ``outcome_unknown`` and it is never
sent again; one without a mark never left the old bridge and is carried out now.

Actions of one server are carried out one at a time, in the order of the stream: the
order a caller wrote them in is the order Asterisk sees them.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ..ami.errors import InvalidHeaderError, ManagerError, ManagerSocketError
from ..ami.protocol import _check_header
from ..ami.request import Request, Response
from .streams import (
    ACTION_GROUP,
    ActionEntry,
    EntryError,
    Reply,
    actions_key,
    inflight_key,
    wire_text,
)

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from ._fleet import Fleet
    from .config import RedisSettings

__all__ = ["REFUSED_ACTIONS", "REPLY_TTL_MS", "raise_if_cancelled", "serve_actions"]

#: Actions that would change the bridge's own AMI session: never carried out.
REFUSED_ACTIONS = frozenset({"login", "logoff", "challenge", "events", "filter"})
#: How long an unread reply stays in Redis (milliseconds).
REPLY_TTL_MS = 60_000

# An action name is one AMI token: anything else could not be a real action, and a
# name with a colon, space or line break could smuggle headers.
_ACTION_NAME = re.compile(r"[A-Za-z0-9_]+")
# Entries read per XREADGROUP: they are served one by one, so a few are enough; the
# rest stay in the stream, where a new owner finds them unclaimed if this one dies.
_COUNT = 10
# How long one XREADGROUP waits for an entry (milliseconds), at most; less when the
# client's socket timeout is short, so that an idle stream is never taken for a dead
# connection.
_BLOCK_MS = 1000
# Back-off between attempts while Redis fails (seconds): doubled up to the cap.
_RETRY_FIRST = 0.1
_RETRY_CAP = 5.0

# Marks an entry as being sent, atomically with the check that it is still this
# bridge's to send: pending in the group for this consumer (a bridge that lost the
# server has had its entries claimed away) and not marked by anyone (HSETNX).  Returns
# 1 when marked, 0 when the entry is no longer this consumer's, -1 when already marked.
_MARK_SCRIPT = """
local pending = redis.call('XPENDING', KEYS[1], ARGV[3], ARGV[1], ARGV[1], 1)
if #pending == 0 or pending[1][2] ~= ARGV[2] then
    return 0
end
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 0 then
    return -1
end
return 1
"""


class _Stop(Exception):
    """An entry that is answered with an error and not carried out."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class _RemoteRequest(Request):
    """A request rebuilt from an action entry: sends its header pairs exactly as the
    caller wrote them (order and repeats kept), and, when the caller's request was
    synchronous, collects its event list."""

    def __init__(self, action: str, pairs: Sequence[tuple[str, str]], synchronous: bool) -> None:
        super().__init__(action)
        self._pairs = list(pairs)
        for name, value in self._pairs:
            self.setdefault(name, value)  # for repr() and inspection; pairs are sent
        self.synchronous = synchronous
        if synchronous:
            # A catalogued list action declares the event that ends its list: Asterisk
            # 11 and older end some lists without "EventList: Complete".
            from ..ami import catalog  # only now: the whole catalog is imported

            known = catalog.action_class(action)
            if known is not None and known.list_complete is not None:
                self._synchronous_events_list = known._synchronous_events_list
                self._synchronous_events_finalising = known._synchronous_events_finalising

    def header_pairs(self) -> list[tuple[str, Any]]:
        """The caller's headers, as the entry listed them."""
        return list(self._pairs)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _size(value: bytes | str) -> int:
    return len(value) if isinstance(value, bytes) else len(value.encode("utf-8", "replace"))


def check_entry(entry: ActionEntry, server: str, configured: Sequence[str]) -> None:
    """Raise :class:`_Stop` if ``entry`` is not for ``server`` or cannot be sent safely
    (the checks that need neither Redis nor the connection, deadline excepted)."""
    if entry.server != server or server not in configured:
        raise _Stop("unknown_server", f"server {entry.server[:80]!r} is not served here")
    name = entry.action
    if not _ACTION_NAME.fullmatch(name):
        raise _Stop("refused_action", f"not an AMI action name: {name[:80]!r}")
    if name.lower() in REFUSED_ACTIONS:
        raise _Stop("refused_action", f"{name} would change the bridge's own session: refused")
    for header, value in entry.headers:
        if header.lower() in ("action", "actionid"):
            raise _Stop("unsafe_header", f"the entry may not set {header}: the bridge does")
        try:
            _check_header(header, value)
        except InvalidHeaderError as exc:
            # The value is not echoed: it may be a secret.
            raise _Stop("unsafe_header", str(exc)[:300]) from None


class _ActionServer:
    """:func:`serve_actions`'s state for one server."""

    def __init__(
        self,
        redis: Redis,
        settings: RedisSettings,
        server: str,
        fleet: Fleet,
        bridge_id: str,
        logger: logging.Logger,
    ) -> None:
        self.redis = redis
        self.settings = settings
        self.server = server
        self.fleet = fleet
        self.bridge_id = bridge_id
        self.logger = logger
        self.stream = actions_key(settings.prefix, server)
        self.inflight = inflight_key(settings.prefix, server)
        self.reply_prefix = f"{settings.prefix}:reply:"
        self.mark = redis.register_script(_MARK_SCRIPT)
        self.block_ms = block_ms(redis)

    # -- the loop ----------------------------------------------------------------------

    async def run(self) -> None:
        delay = _RETRY_FIRST
        while True:
            try:
                await self._create_group()
                await self._reclaim()
                while True:
                    batch = await self.redis.xreadgroup(
                        ACTION_GROUP,
                        self.bridge_id,
                        {self.stream: ">"},
                        count=_COUNT,
                        block=self.block_ms,
                    )
                    delay = _RETRY_FIRST
                    for entry_id, fields in _entries(batch):
                        raise_if_cancelled()
                        await self._serve(entry_id, fields, reclaimed=False)
                    raise_if_cancelled()
            except RedisError as exc:
                # Entries read and not yet served stay pending to this consumer: the
                # reclaim at the restart serves them (none of them was marked).
                self.logger.warning(
                    "actions of %s: Redis failed (%s: %s); retrying in %.1f s",
                    self.server,
                    type(exc).__name__,
                    exc,
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RETRY_CAP)

    async def _create_group(self) -> None:
        # From the stream's start, not "$": a caller may have written its action before
        # any bridge served this server (the first bridge still taking its leases), and
        # it waits for an answer.  Old entries are answered too ("expired", mostly).
        try:
            await self.redis.xgroup_create(self.stream, ACTION_GROUP, "0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def _reclaim(self) -> None:
        """Serve every entry pending in the group, whoever read it: the server was just
        taken (or Redis came back), so no other consumer is serving them now."""
        start: Any = "0-0"
        while True:
            answer = await self.redis.xautoclaim(
                self.stream, ACTION_GROUP, self.bridge_id, 0, start, count=_COUNT
            )
            cursor, claimed = answer[0], answer[1]
            gone = answer[2] if len(answer) > 2 else []
            for entry_id in gone:
                # Trimmed from the stream while pending: nobody can be answered.
                if await self.redis.hdel(self.inflight, entry_id):
                    self.logger.warning(
                        "action %s for %s was in flight when its bridge stopped and is "
                        "no longer in the stream: its outcome is unknown",
                        _text(entry_id),
                        self.server,
                    )
            for entry_id, fields in claimed:
                raise_if_cancelled()
                if fields is None:  # Redis 6.2 lists deleted entries this way
                    await self._finish(_text(entry_id), None, None, unmark=True)
                    continue
                await self._serve(entry_id, fields, reclaimed=True)
            if _text(cursor) == "0-0":
                return
            start = cursor

    # -- one entry ---------------------------------------------------------------------

    async def _serve(self, raw_id: bytes | str, raw: Mapping[Any, Any], *, reclaimed: bool) -> None:
        """Answer one entry and acknowledge it; only Redis errors escape."""
        entry_id = _text(raw_id)
        fields = {_text(key): _text(value) for key, value in raw.items()}
        request_id = fields.get("id", "")[:200]
        reply_to = fields.get("reply_to")
        marked = False
        try:
            if reply_to is not None and not reply_to.startswith(self.reply_prefix):
                # The bridge pushes only to reply lists, never to any key an entry
                # names; and an action whose caller cannot be answered is not sent.
                reply_to = None
                raise _Stop("bad_entry", f"reply_to is not a {self.reply_prefix}* key")
            if reclaimed and await self.redis.hexists(self.inflight, entry_id):
                marked = True  # remove it with the reply
                raise _Stop(
                    "outcome_unknown",
                    "the bridge that was sending this action stopped: it may or may not "
                    "have run on the server, and it is not sent again",
                )
            size = sum(_size(key) + _size(value) for key, value in raw.items())
            if size > self.settings.action_max_bytes:
                raise _Stop(
                    "too_large",
                    f"the entry has {size} bytes; at most "
                    f"{self.settings.action_max_bytes} are carried out",
                )
            try:
                entry = ActionEntry.decode(fields)
            except EntryError as exc:
                raise _Stop("bad_entry", str(exc)) from None
            check_entry(entry, self.server, self.fleet.servers())
            if entry.deadline <= time.time():
                raise _Stop("expired", "the caller's deadline passed before it could be sent")
            if not self.fleet.is_connected(self.server):
                raise _Stop("not_connected", f"{self.server} is not connected now")
            outcome = await self.mark(
                keys=[self.stream, self.inflight], args=[entry_id, self.bridge_id, ACTION_GROUP]
            )
            if outcome == 0:
                # Claimed by the bridge that owns the server now: it answers.
                self.logger.warning(
                    "action %s for %s was claimed by another bridge; left to it",
                    entry_id,
                    self.server,
                )
                return
            marked = True
            if outcome != 1:
                raise _Stop(
                    "outcome_unknown",
                    "another bridge was sending this action: it may or may not have run "
                    "on the server, and it is not sent again",
                )
            reply = await self._send(entry)
        except _Stop as stop:
            # Never the headers: they may hold secrets (an Originate's variables).
            self.logger.log(
                logging.WARNING if stop.kind == "outcome_unknown" else logging.INFO,
                "action %s for %s not carried out (%s): %s",
                entry_id,
                self.server,
                stop.kind,
                stop.message,
            )
            reply = Reply(request_id, ok=False, error_kind=stop.kind, error_message=stop.message)
        except RedisError:
            raise
        except Exception as exc:  # a bad entry never stops the loop
            self.logger.exception("action %s for %s failed", entry_id, self.server)
            kind = "outcome_unknown" if marked else "bad_entry"
            reply = Reply(
                request_id,
                ok=False,
                error_kind=kind,
                error_message=f"the bridge failed on this action ({type(exc).__name__})",
            )
        await self._finish(entry_id, reply_to, reply, unmark=marked)

    async def _send(self, entry: ActionEntry) -> Reply:
        """Send the (marked) action and turn its answer into a reply."""
        request = _RemoteRequest(entry.action, entry.headers, entry.collect_list)
        remaining = entry.deadline - time.time()
        if remaining <= 0:
            raise _Stop("expired", "the caller's deadline passed before it could be sent")
        # The response is awaited until the caller's deadline (a list's end, the
        # Manager's aggregate_timeout more at most).
        request.timeout = remaining
        unknown = "it may or may not have run on the server, and it is not sent again"
        # Checked again after the awaits since the first check, and awaited directly (no
        # wait_for task in between): from here the Manager writes the action before it
        # awaits anything, so a socket error below comes after the write.
        if not self.fleet.is_connected(self.server):
            raise _Stop("not_connected", f"{self.server} is not connected now")
        try:
            response: Response | None = await self.fleet.send_action(self.server, request)
        except KeyError:
            raise _Stop("unknown_server", f"{self.server} was removed from the fleet") from None
        except InvalidHeaderError as exc:
            raise _Stop("unsafe_header", str(exc)[:300]) from None
        except ManagerSocketError:
            raise _Stop(
                "outcome_unknown", f"the connection to {self.server} failed: {unknown}"
            ) from None
        except (asyncio.TimeoutError, TimeoutError):
            response = None
        except ManagerError as exc:
            # Raised before anything is written (a closed Manager).
            raise _Stop("not_connected", f"{self.server}: {exc}") from None
        if response is None:
            raise _Stop("outcome_unknown", f"no answer before the caller's deadline: {unknown}")
        return Reply(
            entry.request_id,
            ok=True,
            response=wire_text(response.response),
            events=[wire_text(event) for event in response.events.in_order],
            events_timeout=response.events_timeout,
            action_id=response.action_id,
            elapsed=response.time,
        )

    async def _finish(
        self, entry_id: str, reply_to: str | None, reply: Reply | None, *, unmark: bool
    ) -> None:
        """Push ``reply`` (if it can be), remove the mark and acknowledge the entry, in
        one transaction; retried while Redis is unreachable, because the action may
        have run and its answer exists only here."""
        delay = _RETRY_FIRST
        while True:
            try:
                async with self.redis.pipeline(transaction=True) as pipe:
                    if reply is not None and reply_to is not None:
                        pipe.lpush(reply_to, reply.to_json())
                        pipe.pexpire(reply_to, REPLY_TTL_MS)
                    if unmark:
                        pipe.hdel(self.inflight, entry_id)
                    pipe.xack(self.stream, ACTION_GROUP, entry_id)
                    results = await pipe.execute(raise_on_error=False)
            except (RedisConnectionError, RedisTimeoutError) as exc:
                self.logger.warning(
                    "action %s for %s: cannot answer (%s); retrying in %.1f s",
                    entry_id,
                    self.server,
                    exc,
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RETRY_CAP)
                continue
            for result in results:
                if isinstance(result, Exception):
                    # A reply key of the wrong type, say: the rest of the transaction ran.
                    self.logger.warning(
                        "action %s for %s: Redis refused part of the answer: %s",
                        entry_id,
                        self.server,
                        result,
                    )
            if reply_to is None and reply is not None and reply.error_kind is not None:
                self.logger.warning(
                    "action entry %s for %s (%s) has no reply_to: acknowledged unanswered",
                    entry_id,
                    self.server,
                    reply.error_kind,
                )
            return


def raise_if_cancelled() -> None:
    """Raise :class:`asyncio.CancelledError` if the current task was asked to stop.

    On Python 3.11 ``asyncio.wait_for`` (which redis-py uses) swallows a cancellation
    that arrives as the awaited call completes: the task would go on serving a server
    whose lease is gone.  Checked between Redis calls; ``Task.cancelling()`` is there
    from Python 3.11 (3.10's loops rely on the cancellation arriving elsewhere).
    """
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)
    if cancelling is not None and cancelling():
        raise asyncio.CancelledError


def block_ms(redis: Redis, longest: int = _BLOCK_MS) -> int:
    """How long a blocking read on ``redis`` may wait (milliseconds): ``longest``, or half
    the client's socket timeout if that is shorter."""
    timeout = redis.connection_pool.connection_kwargs.get("socket_timeout")
    if isinstance(timeout, (int, float)) and timeout > 0:
        return max(1, min(longest, int(timeout * 500)))
    return longest


def _entries(batch: Any) -> list[tuple[bytes | str, Mapping[Any, Any]]]:
    """The entries of an XREADGROUP answer on one stream (RESP2 or RESP3 shape)."""
    if not batch:
        return []
    found: list[tuple[bytes | str, Mapping[Any, Any]]] = []
    streams = batch.items() if isinstance(batch, dict) else batch
    for _, entries in streams:
        if entries and isinstance(entries[0], list):  # RESP3: wrapped once more
            entries = entries[0]
        for entry_id, fields in entries:
            found.append((entry_id, fields or {}))
    return found


async def serve_actions(
    redis: Redis,
    settings: RedisSettings,
    server: str,
    fleet: Fleet,
    bridge_id: str,
    logger: logging.Logger,
) -> None:
    """Carry out the actions of ``server``'s stream until cancelled.

    Creates the ``bridge`` group (``MKSTREAM``), then answers every entry left pending
    by an earlier owner (``outcome_unknown`` if it was marked in flight, else carried
    out), then reads new entries as consumer ``bridge_id``.  Every entry is answered
    (an error reply when it cannot be carried out) and acknowledged; a bad entry never
    stops the loop, and Redis failures are logged and retried with a capped back-off.
    Cancel it when the server's lease is lost: an action being sent keeps its in-flight
    mark, so the next owner answers it ``outcome_unknown`` instead of sending it again.
    """
    await _ActionServer(redis, settings, server, fleet, bridge_id, logger).run()
