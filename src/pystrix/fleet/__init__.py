"""Fleets: one process watching many Asterisk servers, and the Redis bridge.

:class:`Fleet` holds one asyncio Manager (:mod:`pystrix.ami.aio`) per server, keeps each
connected with a jittered back-off, and gives their events as one stream
(``async for server, event in fleet.events(...)``), their actions by server name
(``await fleet.send_action(server, action)``) and a status per server.  Its configuration
comes from Python objects (:class:`FleetConfig`, :class:`ServerConfig`) or a TOML file
(:func:`load_config`), with the secrets in environment variables or files, never in the
file itself.  This much needs only the standard library (and ``tomli`` on Python 3.10:
``pip install 'pystrix[fleet]'``).

``pystrix.fleet.bridge`` (the ``pystrix bridge`` command: every event into Redis
Streams, actions from them, the servers shared between bridges by leases) and
``pystrix.fleet.redis`` (the client that services on other machines use) need
``pip install 'pystrix[redis]'``; ``pystrix.fleet.streams`` names the keys and entries
they share.

Every name here is imported when first used, so ``import pystrix.fleet`` costs nothing.
"""

from .._lazy import lazy_attributes as _lazy_attributes

TYPE_CHECKING = False  # typing.TYPE_CHECKING, by the name type checkers know
if TYPE_CHECKING:
    from ._fleet import Fleet, FleetListener, ServerStatus
    from .config import (
        BridgeSettings,
        ConfigError,
        FleetConfig,
        RedisSettings,
        ServerConfig,
        load_config,
    )

__all__ = [
    "BridgeSettings",
    "ConfigError",
    "Fleet",
    "FleetConfig",
    "FleetListener",
    "RedisSettings",
    "ServerConfig",
    "ServerStatus",
    "load_config",
]

#: Where each name of ``__all__`` is defined.
_NAMES = {
    **dict.fromkeys(("Fleet", "FleetListener", "ServerStatus"), "_fleet"),
    **dict.fromkeys(
        (
            "BridgeSettings",
            "ConfigError",
            "FleetConfig",
            "RedisSettings",
            "ServerConfig",
            "load_config",
        ),
        "config",
    ),
}
#: The submodules reachable as attributes without importing them first (``bridge`` and
#: ``redis`` need the ``pystrix[redis]`` extra).
_SUBMODULES = frozenset({"_fleet", "bridge", "config", "redis", "streams"})


_lazy_attribute, _lazy_dir = _lazy_attributes(globals(), _NAMES, _SUBMODULES)


if not TYPE_CHECKING:  # type checkers see the imports above, not a catch-all
    __getattr__ = _lazy_attribute
    __dir__ = _lazy_dir
del TYPE_CHECKING
