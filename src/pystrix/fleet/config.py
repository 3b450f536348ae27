"""A fleet's configuration: the servers, the reconnect policy, Redis and the bridge.

Built in code (:class:`FleetConfig`, :class:`ServerConfig`...) or read from a TOML file
by :func:`load_config`::

    [fleet]
    reconnect = { initial_delay = 1.0, max_delay = 30.0, jitter = 1.0 }
    event_queue_size = 100000

    [redis]                          # optional: pystrix bridge / pystrix.fleet.redis
    url = "redis://10.0.0.5:6379/0"
    password_env = "REDIS_PASSWORD"  # or password_file = "/run/secrets/redis"
    prefix = "pystrix"

    [bridge]
    status_interval = 10.0
    metrics_port = 9108

    [[servers]]
    name = "pbx-01"                  # [A-Za-z0-9_.-]+: it becomes part of Redis keys
    host = "10.0.1.1"
    port = 5038
    username = "bridge"
    secret_env = "PBX01_SECRET"      # or secret_file = "secrets/pbx-01" (exactly one)
    tls = { cafile = "ca.pem" }      # or tls = true

Secrets never live in the file: a literal ``secret`` or ``password`` key (or a password in
the Redis URL) is refused, and the resolved values are kept out of ``repr()``, ``str()``
and every error message.  Relative file names (``secret_file``, ``password_file``, TLS
files) are read relative to the configuration file's directory.  Every mistake raises
:class:`ConfigError` naming the file, the server (by name, or ``servers[2]``, counted
from 0, when the name itself is wrong) and the reason.

Only the standard library is used, plus ``tomli`` on Python 3.10 (``pystrix[fleet]``),
imported when a file is read.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import ssl
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..ami._frontend import ReconnectPolicy

__all__ = [
    "DEFAULT_RECONNECT",
    "BridgeSettings",
    "ConfigError",
    "FleetConfig",
    "RedisSettings",
    "ServerConfig",
    "load_config",
]

#: The fleet's reconnect policy unless configured: 1 s doubling to 30 s, each delay drawn
#: anywhere from 0 to twice its value (jitter 1.0), so that servers lost together (a
#: data-centre blip) are not all called back at the same instant.
DEFAULT_RECONNECT = ReconnectPolicy(initial_delay=1.0, max_delay=30.0, jitter=1.0)

# A server's name becomes part of Redis keys (``<prefix>:events:<name>``) and of log lines.
_NAME = re.compile(r"[A-Za-z0-9_.-]+")
# The Redis key prefix: anything printable without spaces (braces allow a Cluster hash tag).
_PREFIX = re.compile(r"[!-~]+")
_SECRET_KEYS = frozenset({"secret", "password"})


class ConfigError(ValueError):
    """A configuration mistake; the message names the file, the server and the reason
    (and never holds a secret)."""


def _plain_int(value: object) -> bool:
    # bool is an int to Python, never to a configuration.
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: object) -> bool:
    return (_plain_int(value) or isinstance(value, float)) and math.isfinite(value)  # type: ignore[arg-type]


def _kind(value: object) -> str:
    """A value's TOML-ish type name, for messages (never the value: it may be a secret)."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, (list, tuple)):
        return "an array"
    return f"a {type(value).__name__}"


def _no_line_breaks(text: str) -> bool:
    # Values that go into AMI headers: a CR, LF or NUL would end the header early.
    return not any(char in text for char in "\r\n\0")


@dataclass(frozen=True)
class ServerConfig:
    """One Asterisk server of a fleet.

    ``name`` identifies it everywhere (status, events, Redis keys): letters, digits,
    ``_``, ``.`` and ``-``, unique in a fleet.  ``secret`` is the AMI secret, already
    resolved (from ``secret_env`` or ``secret_file`` when loaded from TOML); it is never
    shown by ``repr()``.  ``tls`` is ``False``, ``True`` (verification against the
    system's roots) or an :class:`ssl.SSLContext`.  ``events`` is the Login ``Events``
    mask (``"on"``, ``"off"``, ``"call,system"``...).  ``connect_timeout`` bounds the
    TCP connection, the banner and the Login answer, each.
    """

    name: str
    host: str
    port: int = 5038
    username: str = ""
    secret: str = field(default="", repr=False)
    tls: bool | ssl.SSLContext = False
    events: str = "on"
    connect_timeout: float = 5.0

    def __post_init__(self) -> None:
        label = f"server {self.name!r}" if isinstance(self.name, str) else "server"
        problem = _server_problem(self)
        if problem is not None:
            raise ConfigError(f"{label}: {problem}")


def _server_problem(server: ServerConfig) -> str | None:
    """What is wrong with ``server``'s fields, or ``None`` (never quoting the secret)."""
    if not isinstance(server.name, str) or not _NAME.fullmatch(server.name):
        return "name must be letters, digits, '_', '.' or '-' (it goes into Redis keys)"
    if not isinstance(server.host, str) or not server.host.strip():
        return "host is missing"
    if not _no_line_breaks(server.host):
        return "host holds a line break"
    if not _plain_int(server.port) or not 1 <= server.port <= 65535:
        return f"port must be an integer from 1 to 65535, not {server.port!r}"
    if not isinstance(server.username, str) or not _no_line_breaks(server.username):
        return "username must be a string without line breaks"
    if not isinstance(server.secret, str):
        return "the secret must be a string"
    if not _no_line_breaks(server.secret):
        return "the secret holds a line break (CR, LF or NUL)"
    if not isinstance(server.tls, (bool, ssl.SSLContext)):
        return f"tls must be true, false or an SSLContext, not {_kind(server.tls)}"
    if not isinstance(server.events, str) or not server.events or "\n" in server.events:
        return "events must be a Login Events mask such as 'on', 'off' or 'call,system'"
    if not _no_line_breaks(server.events):
        return "events holds a line break"
    if not _number(server.connect_timeout) or server.connect_timeout <= 0:
        return "connect_timeout must be a positive number of seconds"
    return None


@dataclass(frozen=True)
class RedisSettings:
    """Where the bridge and its clients find Redis, and how the streams are kept.

    ``url`` is ``redis://`` or ``rediss://`` (TLS; ``tls_cafile`` for a private CA) and
    never holds the password: ``password`` comes from ``password_env`` or
    ``password_file`` and is never shown by ``repr()``.  ``prefix`` starts every key;
    ``maxlen`` is each event stream's approximate length (``XADD MAXLEN ~``); ``batch``
    the entries per pipeline; ``buffer`` the events held (whole bridge) while Redis is
    slow or down; ``lease_ms`` how long a bridge owns a server without renewing;
    ``action_max_bytes`` the largest action entry carried out.
    """

    url: str = "redis://127.0.0.1:6379/0"
    password: str | None = field(default=None, repr=False)
    prefix: str = "pystrix"
    maxlen: int = 100_000
    batch: int = 500
    buffer: int = 100_000
    lease_ms: int = 10_000
    tls_cafile: str | None = None
    action_max_bytes: int = 65_536

    def __post_init__(self) -> None:
        problem = _redis_problem(self)
        if problem is not None:
            raise ConfigError(f"[redis]: {problem}")


def _redis_problem(settings: RedisSettings) -> str | None:
    url = settings.url
    if not isinstance(url, str) or not url.startswith(("redis://", "rediss://", "unix://")):
        return "url must start with redis://, rediss:// or unix://"
    try:
        has_password = urlsplit(url).password is not None
    except ValueError:
        return "url is malformed"
    if has_password:
        # The URL is not repeated: it holds the password.
        return "url holds a password: secrets never in the file; use password_env or password_file"
    if settings.password is not None and not isinstance(settings.password, str):
        return "password must be a string"
    if not isinstance(settings.prefix, str) or not _PREFIX.fullmatch(settings.prefix):
        return "prefix must be printable text without spaces"
    for name in ("maxlen", "batch", "buffer", "lease_ms", "action_max_bytes"):
        value = getattr(settings, name)
        if not _plain_int(value) or value < 1:
            return f"{name} must be a positive integer, not {value!r}"
    if settings.tls_cafile is not None and not isinstance(settings.tls_cafile, str):
        return "tls_cafile must be a file name"
    return None


@dataclass(frozen=True)
class BridgeSettings:
    """``pystrix bridge``'s own settings: seconds between status lines, and the port of
    the Prometheus endpoint (``None``: none)."""

    status_interval: float = 10.0
    metrics_port: int | None = None

    def __post_init__(self) -> None:
        if not _number(self.status_interval) or self.status_interval <= 0:
            raise ConfigError("[bridge]: status_interval must be a positive number of seconds")
        port = self.metrics_port
        if port is not None and (not _plain_int(port) or not 0 <= port <= 65535):
            raise ConfigError(f"[bridge]: metrics_port must be from 0 to 65535, not {port!r}")


@dataclass(frozen=True)
class FleetConfig:
    """A whole fleet: its servers (names unique), the reconnect policy, the Redis and
    bridge settings, how many events each server's Manager holds for dispatch, and the
    file it was read from (``None`` when built in code)."""

    servers: tuple[ServerConfig, ...] = ()
    reconnect: ReconnectPolicy = DEFAULT_RECONNECT
    redis: RedisSettings | None = None
    bridge: BridgeSettings = field(default_factory=BridgeSettings)
    source: str | None = None
    event_queue_size: int = 100_000

    def __post_init__(self) -> None:
        servers = tuple(self.servers)  # any iterable is accepted; a tuple is kept
        object.__setattr__(self, "servers", servers)
        seen: set[str] = set()
        for index, server in enumerate(servers):
            if not isinstance(server, ServerConfig):
                raise ConfigError(f"servers[{index}]: not a ServerConfig but {_kind(server)}")
            if server.name in seen:
                raise ConfigError(f"server {server.name!r}: duplicate server name")
            seen.add(server.name)
        if not isinstance(self.reconnect, ReconnectPolicy):
            raise ConfigError("reconnect must be a pystrix.ami.ReconnectPolicy")
        if not _plain_int(self.event_queue_size) or self.event_queue_size < 1:
            raise ConfigError("[fleet]: event_queue_size must be a positive integer")


# -- reading a file ------------------------------------------------------------------------


def _toml_module() -> Any:
    """``tomllib`` (3.11+) or ``tomli``, imported only when a file is read."""
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    try:
        import tomli  # type: ignore[import-not-found, unused-ignore]
    except ModuleNotFoundError:
        raise ConfigError(
            "reading a TOML configuration on Python 3.10 needs tomli: "
            "pip install tomli (or pip install 'pystrix[fleet]')"
        ) from None
    return tomli


class _Reader:
    """Turns a parsed TOML document into a :class:`FleetConfig`, every mistake a
    :class:`ConfigError` prefixed with the file's name."""

    def __init__(self, path: Path, environ: Mapping[str, str]) -> None:
        self.path = path
        self.directory = path.parent
        self.environ = environ

    def fail(self, where: str, reason: str) -> ConfigError:
        return ConfigError(f"{self.path}: {where}: {reason}")

    def check_keys(self, table: Mapping[str, Any], known: Iterable[str], where: str) -> None:
        known = tuple(known)
        for key in table:
            if key in known:
                continue
            if key.lower() in _SECRET_KEYS:
                raise self.fail(
                    where,
                    f"a literal {key!r} is refused: secrets never in the file; "
                    + (
                        "use password_env or password_file"
                        if where == "[redis]"
                        else "use secret_env or secret_file"
                    ),
                )
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            if not close:  # a shortened key ("status" for "status_interval")
                close = [name for name in known if name.startswith(key.lower())][:1]
            hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(known)})"
            raise self.fail(where, f"unknown key {key!r}{hint}")

    def table(self, document: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        value = document.get(key, {})
        if not isinstance(value, Mapping):
            raise self.fail(f"[{key}]", f"must be a table, not {_kind(value)}")
        return value

    def number(self, where: str, key: str, value: object, *, minimum: float = 0.0) -> float:
        if not _number(value) or float(value) < minimum:  # type: ignore[arg-type]
            raise self.fail(where, f"{key} must be a number >= {minimum:g}, not {_kind(value)}")
        return float(value)  # type: ignore[arg-type]

    def integer(self, where: str, key: str, value: object, *, minimum: int = 1) -> int:
        if not _plain_int(value):
            raise self.fail(where, f"{key} must be an integer, not {_kind(value)}")
        assert isinstance(value, int)
        if value < minimum:
            raise self.fail(where, f"{key} must be at least {minimum}, not {value}")
        return value

    def string(self, where: str, key: str, value: object) -> str:
        if not isinstance(value, str):
            raise self.fail(where, f"{key} must be a string, not {_kind(value)}")
        return value

    def local_path(self, name: str) -> Path:
        path = Path(name).expanduser()
        return path if path.is_absolute() else self.directory / path

    def readable_file(self, where: str, key: str, value: object) -> str:
        name = self.string(where, key, value)
        path = self.local_path(name)
        if not path.is_file() or not os.access(path, os.R_OK):
            raise self.fail(where, f"{key} {name!r} is not a readable file")
        return str(path)

    def secret(
        self, where: str, table: Mapping[str, Any], env_key: str, file_key: str, *, required: bool
    ) -> str | None:
        """The secret named by ``env_key`` (a variable) or ``file_key`` (a file): exactly
        one of them when ``required``, at most one otherwise.  Messages name the variable
        or the file, never what it holds."""
        if env_key in table and file_key in table:
            raise self.fail(where, f"give {env_key} or {file_key}, not both")
        if env_key in table:
            variable = self.string(where, env_key, table[env_key])
            value = self.environ.get(variable)
            if value is None:
                raise self.fail(where, f"environment variable {variable!r} ({env_key}) is not set")
            if not value:
                raise self.fail(where, f"environment variable {variable!r} ({env_key}) is empty")
            return value
        if file_key in table:
            name = self.string(where, file_key, table[file_key])
            path = self.local_path(name)
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                if isinstance(exc, UnicodeDecodeError):
                    reason = "not UTF-8 text"
                raise self.fail(where, f"cannot read {file_key} {name!r}: {reason}") from None
            # One trailing newline is the file's, not the secret's (echo "x" > file).
            if text.endswith("\r\n"):
                text = text[:-2]
            elif text.endswith("\n"):
                text = text[:-1]
            if not text:
                raise self.fail(where, f"{file_key} {name!r} is empty")
            return text
        if required:
            raise self.fail(where, f"no secret: give secret_env or secret_file ({env_key})")
        return None

    # -- the tables --------------------------------------------------------------------

    def read(self, document: Mapping[str, Any]) -> FleetConfig:
        self.check_keys(document, ("fleet", "redis", "bridge", "servers"), "top level")
        reconnect, queue_size = self.fleet(self.table(document, "fleet"))
        redis = self.redis(self.table(document, "redis")) if "redis" in document else None
        bridge = self.bridge(self.table(document, "bridge"))
        servers = self.servers(document.get("servers", []))
        try:
            return FleetConfig(
                servers=tuple(servers),
                reconnect=reconnect,
                redis=redis,
                bridge=bridge,
                source=str(self.path),
                event_queue_size=queue_size,
            )
        except ConfigError as exc:
            raise ConfigError(f"{self.path}: {exc}") from None

    def fleet(self, table: Mapping[str, Any]) -> tuple[ReconnectPolicy, int]:
        where = "[fleet]"
        self.check_keys(table, ("reconnect", "event_queue_size"), where)
        queue_size = 100_000
        if "event_queue_size" in table:
            queue_size = self.integer(where, "event_queue_size", table["event_queue_size"])
        policy = DEFAULT_RECONNECT
        if "reconnect" in table:
            spec = table["reconnect"]
            where = "[fleet.reconnect]"
            if not isinstance(spec, Mapping):
                raise self.fail(where, f"must be a table, not {_kind(spec)}")
            keys = ("initial_delay", "max_delay", "multiplier", "jitter", "max_attempts")
            self.check_keys(spec, keys, where)
            initial = self.number(where, "initial_delay", spec.get("initial_delay", 1.0))
            maximum = self.number(where, "max_delay", spec.get("max_delay", 30.0))
            multiplier = self.number(where, "multiplier", spec.get("multiplier", 2.0), minimum=1)
            jitter = self.number(where, "jitter", spec.get("jitter", 1.0))
            if jitter > 1:
                raise self.fail(where, "jitter must be a fraction from 0 to 1")
            if maximum < initial:
                raise self.fail(where, "max_delay must not be less than initial_delay")
            attempts = None
            if "max_attempts" in spec:
                attempts = self.integer(where, "max_attempts", spec["max_attempts"])
            policy = ReconnectPolicy(initial, maximum, multiplier, jitter, attempts)
        return policy, queue_size

    def redis(self, table: Mapping[str, Any]) -> RedisSettings:
        where = "[redis]"
        keys = (
            "url",
            "password_env",
            "password_file",
            "prefix",
            "maxlen",
            "batch",
            "buffer",
            "lease_ms",
            "tls_cafile",
            "action_max_bytes",
        )
        self.check_keys(table, keys, where)
        options: dict[str, Any] = {}
        for key in ("url", "prefix"):
            if key in table:
                options[key] = self.string(where, key, table[key])
        for key in ("maxlen", "batch", "buffer", "lease_ms", "action_max_bytes"):
            if key in table:
                options[key] = self.integer(where, key, table[key])
        if "tls_cafile" in table:
            options["tls_cafile"] = self.readable_file(where, "tls_cafile", table["tls_cafile"])
        options["password"] = self.secret(
            where, table, "password_env", "password_file", required=False
        )
        try:
            return RedisSettings(**options)
        except ConfigError as exc:
            raise ConfigError(f"{self.path}: {exc}") from None

    def bridge(self, table: Mapping[str, Any]) -> BridgeSettings:
        where = "[bridge]"
        self.check_keys(table, ("status_interval", "metrics_port"), where)
        options: dict[str, Any] = {}
        if "status_interval" in table:
            options["status_interval"] = self.number(
                where, "status_interval", table["status_interval"]
            )
        if "metrics_port" in table:
            options["metrics_port"] = self.integer(
                where, "metrics_port", table["metrics_port"], minimum=0
            )
        try:
            return BridgeSettings(**options)
        except ConfigError as exc:
            raise ConfigError(f"{self.path}: {exc}") from None

    def servers(self, value: object) -> list[ServerConfig]:
        if not isinstance(value, list):
            raise self.fail("servers", "must be an array of tables ([[servers]])")
        servers: list[ServerConfig] = []
        names: set[str] = set()
        for index, table in enumerate(value):
            if not isinstance(table, Mapping):
                raise self.fail(f"servers[{index}]", f"must be a table, not {_kind(table)}")
            server = self.server(index, table)
            if server.name in names:
                raise self.fail(f"server {server.name!r}", "duplicate server name")
            names.add(server.name)
            servers.append(server)
        return servers

    def server(self, index: int, table: Mapping[str, Any]) -> ServerConfig:
        name = table.get("name")
        valid_name = isinstance(name, str) and _NAME.fullmatch(name) is not None
        where = f"server {name!r}" if valid_name else f"servers[{index}]"
        keys = (
            "name",
            "host",
            "port",
            "username",
            "secret_env",
            "secret_file",
            "tls",
            "events",
            "connect_timeout",
        )
        self.check_keys(table, keys, where)
        if name is None:
            raise self.fail(where, "name is missing")
        if not valid_name:
            shown = repr(name) if isinstance(name, str) else _kind(name)
            raise self.fail(
                where,
                f"name {shown} is invalid: use letters, digits, '_', '.' or '-' "
                "(it goes into Redis keys)",
            )
        if "host" not in table:
            raise self.fail(where, "host is missing")
        if "username" not in table:
            raise self.fail(where, "username is missing")
        options: dict[str, Any] = {"name": name}
        for key in ("host", "username", "events"):
            if key in table:
                options[key] = self.string(where, key, table[key])
        if "port" in table:
            port = self.integer(where, "port", table["port"])
            if port > 65535:
                raise self.fail(where, f"port must be from 1 to 65535, not {port}")
            options["port"] = port
        if "connect_timeout" in table:
            timeout = self.number(where, "connect_timeout", table["connect_timeout"])
            if timeout <= 0:
                raise self.fail(where, "connect_timeout must be a positive number")
            options["connect_timeout"] = timeout
        if "tls" in table:
            options["tls"] = self.tls(where, table["tls"])
        options["secret"] = self.secret(where, table, "secret_env", "secret_file", required=True)
        try:
            return ServerConfig(**options)
        except ConfigError as exc:
            raise ConfigError(f"{self.path}: {exc}") from None

    def tls(self, where: str, value: object) -> bool | ssl.SSLContext:
        if isinstance(value, bool):
            return value
        if not isinstance(value, Mapping):
            raise self.fail(where, f"tls must be true, false or a table, not {_kind(value)}")
        where_tls = f"{where} tls"
        self.check_keys(value, ("cafile", "certfile", "keyfile", "verify"), where_tls)
        verify = value.get("verify", True)
        if not isinstance(verify, bool):
            raise self.fail(where_tls, f"verify must be true or false, not {_kind(verify)}")
        cafile = certfile = keyfile = None
        if "cafile" in value:
            cafile = self.readable_file(where_tls, "cafile", value["cafile"])
        if "certfile" in value:
            certfile = self.readable_file(where_tls, "certfile", value["certfile"])
        if "keyfile" in value:
            if certfile is None:
                raise self.fail(where_tls, "keyfile needs a certfile")
            keyfile = self.readable_file(where_tls, "keyfile", value["keyfile"])
        try:
            context = ssl.create_default_context(cafile=cafile)
            if certfile is not None:
                context.load_cert_chain(certfile, keyfile)
        except (OSError, ssl.SSLError) as exc:
            raise self.fail(where_tls, f"cannot load the TLS files: {exc}") from None
        if not verify:
            # Asked for explicitly (a lab with self-signed certificates): encrypted but
            # not authenticated.
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context


def load_config(
    path: str | os.PathLike[str], environ: Mapping[str, str] | None = None
) -> FleetConfig:
    """Read a fleet's TOML configuration (see the module docstring for the layout).

    Secrets are resolved now, from ``environ`` (default: :data:`os.environ`) for
    ``secret_env``/``password_env`` and from files for ``secret_file``/``password_file``.
    Raises :class:`ConfigError` naming the file, the server and the reason for any
    mistake: an unreadable file, a TOML syntax error (with its line), an unknown key
    (with the closest known one), a literal secret, a missing or empty secret, a bad or
    duplicate server name, a bad port or type.
    """
    where = Path(os.fspath(path))
    try:
        data = where.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read the configuration: {exc.strerror}") from None
    toml = _toml_module()
    try:
        document = toml.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: not UTF-8 text") from None
    except toml.TOMLDecodeError as exc:
        # tomllib's message names the line and column; it does not echo values.
        raise ConfigError(f"{where}: TOML syntax error: {exc}") from None
    reader = _Reader(where, os.environ if environ is None else environ)
    config = reader.read(document)
    assert isinstance(config, FleetConfig)
    return config
