"""pystrix.fleet's configuration: a valid TOML file, each kind of mistake, and the secrets.

Every refused file must name the file, the server and the reason, and no message (nor
any ``repr``) may hold a secret.
"""

from __future__ import annotations

import ssl
import textwrap
from pathlib import Path

import pytest

from pystrix.ami import ReconnectPolicy
from pystrix.fleet import (
    BridgeSettings,
    ConfigError,
    FleetConfig,
    RedisSettings,
    ServerConfig,
    load_config,
)

SECRET = "S3cr3t-Do-Not-Show"
FILE_SECRET = "F1le-S3cret-Hidden"
REDIS_PASSWORD = "R3dis-Pa55-Hidden"
ENVIRON = {"PBX_SECRET": SECRET, "REDIS_PASSWORD": REDIS_PASSWORD, "EMPTY": ""}

VALID = """
[fleet]
event_queue_size = 5000

[fleet.reconnect]
initial_delay = 0.5
max_delay = 10.0
multiplier = 3.0
jitter = 0.5
max_attempts = 7

[redis]
url = "rediss://redis.example:6380/2"
password_env = "REDIS_PASSWORD"
prefix = "calls"
maxlen = 1000
batch = 50
buffer = 2000
lease_ms = 3000
action_max_bytes = 4096

[bridge]
status_interval = 2.5
metrics_port = 9108

[[servers]]
name = "pbx-01"
host = "10.0.0.1"
username = "bridge"
secret_env = "PBX_SECRET"

[[servers]]
name = "pbx_02.lab"
host = "10.0.0.2"
port = 5039
username = "bridge"
secret_file = "secret.txt"
tls = true
events = "call,system"
connect_timeout = 2
"""


def write(directory: Path, text: str, name: str = "fleet.toml") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def server_block(**fields: object) -> str:
    """One ``[[servers]]`` table with the given keys (strings quoted, the rest as TOML)."""
    lines = ["[[servers]]"]
    for key, value in fields.items():
        if isinstance(value, str) and not value.startswith(("{", "[")):
            rendered = f'"{value}"'
        elif isinstance(value, bool):
            rendered = "true" if value else "false"
        else:
            rendered = str(value)
        lines.append(f"{key} = {rendered}")
    return "\n".join(lines) + "\n"


GOOD = {"name": "pbx1", "host": "10.0.0.1", "username": "bridge", "secret_env": "PBX_SECRET"}


def refused(path: Path, environ: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path, ENVIRON if environ is None else environ)
    message = str(caught.value)
    assert str(path) in message
    for secret in (SECRET, FILE_SECRET, REDIS_PASSWORD):
        assert secret not in message
    return message


def test_a_valid_file(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text(FILE_SECRET + "\n", encoding="utf-8")
    config = load_config(write(tmp_path, VALID), ENVIRON)
    assert config.source == str(tmp_path / "fleet.toml")
    assert config.reconnect == ReconnectPolicy(0.5, 10.0, 3.0, 0.5, 7)
    assert config.event_queue_size == 5000
    assert config.redis == RedisSettings(
        url="rediss://redis.example:6380/2",
        password=REDIS_PASSWORD,
        prefix="calls",
        maxlen=1000,
        batch=50,
        buffer=2000,
        lease_ms=3000,
        action_max_bytes=4096,
    )
    assert config.bridge == BridgeSettings(status_interval=2.5, metrics_port=9108)
    first, second = config.servers
    assert first == ServerConfig("pbx-01", "10.0.0.1", 5038, "bridge", SECRET)
    assert (second.name, second.port, second.tls, second.events) == (
        "pbx_02.lab",
        5039,
        True,
        "call,system",
    )
    assert second.secret == FILE_SECRET  # one trailing newline is the file's
    assert second.connect_timeout == 2.0
    for shown in (repr(config), str(config), repr(first), str(second), repr(config.redis)):
        for secret in (SECRET, FILE_SECRET, REDIS_PASSWORD):
            assert secret not in shown


def test_defaults_when_tables_are_absent(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, server_block(**GOOD)), ENVIRON)
    assert config.redis is None
    assert config.bridge == BridgeSettings()
    assert config.reconnect == ReconnectPolicy(initial_delay=1.0, max_delay=30.0, jitter=1.0)
    assert config.servers[0].port == 5038
    assert config.servers[0].tls is False


def test_a_tls_table_builds_a_context(tmp_path: Path) -> None:
    text = server_block(**GOOD, tls="{ verify = false }")
    (server,) = load_config(write(tmp_path, text), ENVIRON).servers
    assert isinstance(server.tls, ssl.SSLContext)
    assert server.tls.verify_mode == ssl.CERT_NONE


def test_a_secret_file_loses_one_trailing_newline_only(tmp_path: Path) -> None:
    fields = without("secret_env", secret_file="s")
    (tmp_path / "s").write_bytes(b"crlf\r\n")
    (server,) = load_config(write(tmp_path, server_block(**fields)), ENVIRON).servers
    assert server.secret == "crlf"
    # Two newlines: the second is the secret's, and a line break cannot go in a header.
    (tmp_path / "s").write_text("two\n\n", encoding="utf-8")
    assert "line break" in refused(write(tmp_path, server_block(**fields)))


def without(key: str, **extra: object) -> dict[str, object]:
    fields = {**GOOD, **extra}
    del fields[key]
    return fields


# (the server tables, the text the message must hold, the place it must name)
MISTAKES = [
    pytest.param(
        server_block(**GOOD, hots="x"),
        "unknown key 'hots'; did you mean 'host'",
        "'pbx1'",
        id="typo",
    ),
    pytest.param(
        server_block(**GOOD, secret=SECRET), "secrets never in the file", "'pbx1'", id="literal"
    ),
    pytest.param(
        server_block(**GOOD, Password=SECRET), "secrets never in the file", "'pbx1'", id="password"
    ),
    pytest.param(server_block(**without("secret_env")), "no secret", "'pbx1'", id="no-secret"),
    pytest.param(
        server_block(**GOOD, secret_file="secret.txt"), "not both", "'pbx1'", id="both-secrets"
    ),
    pytest.param(
        server_block(**GOOD | {"secret_env": "UNSET_VARIABLE"}),
        "'UNSET_VARIABLE' (secret_env) is not set",
        "'pbx1'",
        id="unset-env",
    ),
    pytest.param(
        server_block(**GOOD | {"secret_env": "EMPTY"}), "is empty", "'pbx1'", id="empty-env"
    ),
    pytest.param(
        server_block(**without("secret_env", secret_file="missing.txt")),
        "cannot read secret_file 'missing.txt'",
        "'pbx1'",
        id="missing-file",
    ),
    pytest.param(
        server_block(**without("secret_env", secret_file="empty.txt")),
        "secret_file 'empty.txt' is empty",
        "'pbx1'",
        id="empty-file",
    ),
    pytest.param(
        server_block(**GOOD) + server_block(**GOOD), "duplicate server name", "'pbx1'", id="dup"
    ),
    pytest.param(
        server_block(**GOOD) + server_block(**GOOD | {"name": "pbx 2"}),
        "name 'pbx 2' is invalid",
        "servers[1]",
        id="bad-name",
    ),
    pytest.param(
        server_block(**GOOD | {"name": "a:b"}), "is invalid", "servers[0]", id="colon-name"
    ),
    pytest.param(server_block(**without("name")), "name is missing", "servers[0]", id="no-name"),
    pytest.param(server_block(**without("host")), "host is missing", "'pbx1'", id="no-host"),
    pytest.param(
        server_block(**without("username")), "username is missing", "'pbx1'", id="no-user"
    ),
    pytest.param(
        server_block(**GOOD, port=70000), "port must be from 1 to 65535", "'pbx1'", id="port"
    ),
    pytest.param(server_block(**GOOD, port=0), "port must be at least 1", "'pbx1'", id="port0"),
    pytest.param(
        server_block(**GOOD, port="5038"), "port must be an integer, not a string", "'pbx1'"
    ),
    pytest.param(server_block(**GOOD, port=True), "not a boolean", "'pbx1'", id="port-bool"),
    pytest.param(
        server_block(**GOOD | {"host": 5}),
        "host must be a string, not an integer",
        "'pbx1'",
        id="host",
    ),
    pytest.param(
        server_block(**GOOD, connect_timeout=-1), "connect_timeout", "'pbx1'", id="timeout"
    ),
    pytest.param(
        server_block(**GOOD, tls="{ cafil = 'x' }"), "did you mean 'cafile'", "'pbx1' tls"
    ),
    pytest.param(server_block(**GOOD, tls="yes"), "tls must be true", "'pbx1'", id="tls-str"),
    pytest.param(
        server_block(**GOOD, tls="{ cafile = 'nope.pem' }"),
        "cafile 'nope.pem' is not a readable file",
        "'pbx1' tls",
        id="tls-file",
    ),
    pytest.param(
        "[fleet]\nreconect = {}\n" + server_block(**GOOD),
        "did you mean 'reconnect'",
        "[fleet]",
        id="fleet-typo",
    ),
    pytest.param(
        "[fleet]\nreconnect = { jitter = 2.0 }\n", "jitter", "[fleet.reconnect]", id="jitter"
    ),
    pytest.param(
        "[fleet]\nreconnect = { initial = 1 }\n", "unknown key 'initial'", "[fleet.reconnect]"
    ),
    pytest.param("[fleet]\nevent_queue_size = 0\n", "at least 1", "[fleet]", id="queue"),
    pytest.param("[redis]\nurl = 'http://x'\n", "url must start with", "[redis]", id="url"),
    pytest.param(
        f"[redis]\nurl = 'redis://:{REDIS_PASSWORD}@h:6379/0'\n",
        "url holds a password",
        "[redis]",
        id="url-password",
    ),
    pytest.param(
        f"[redis]\npassword = '{REDIS_PASSWORD}'\n",
        "use password_env or password_file",
        "[redis]",
        id="redis-literal",
    ),
    pytest.param("[redis]\nprefx = 'p'\n", "did you mean 'prefix'", "[redis]", id="redis-typo"),
    pytest.param("[redis]\nmaxlen = 'big'\n", "maxlen must be an integer", "[redis]", id="maxlen"),
    pytest.param(
        "[redis]\npassword_env = 'UNSET_VARIABLE'\n", "is not set", "[redis]", id="redis-env"
    ),
    pytest.param("[bridge]\nmetrics_port = 70000\n", "metrics_port", "[bridge]", id="metrics"),
    pytest.param("[bridge]\nstatus = 1\n", "did you mean 'status_interval'", "[bridge]"),
    pytest.param("[server]\n", "did you mean 'servers'", "top level", id="top-typo"),
    pytest.param("servers = 3\n", "array of tables", "servers", id="servers-type"),
]


@pytest.mark.parametrize(("text", "reason", "where"), MISTAKES)
def test_each_mistake_is_refused_naming_file_place_and_reason(
    tmp_path: Path, text: str, reason: str, where: str
) -> None:
    (tmp_path / "secret.txt").write_text(FILE_SECRET, encoding="utf-8")
    (tmp_path / "empty.txt").write_text("\n", encoding="utf-8")
    message = refused(write(tmp_path, text))
    assert reason in message, message
    assert where in message, message


def test_a_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    text = server_block(**GOOD) + "name = = 'x'\n"
    message = refused(write(tmp_path, text))
    assert "TOML syntax error" in message
    assert "line 6" in message, message


def test_a_missing_file(tmp_path: Path) -> None:
    message = refused(tmp_path / "absent.toml")
    assert "cannot read the configuration" in message


def test_the_environment_defaults_to_os_environ(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PBX_SECRET", SECRET)
    (server,) = load_config(write(tmp_path, server_block(**GOOD))).servers
    assert server.secret == SECRET


def test_secret_file_relative_to_the_configuration(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "s.txt").write_text(FILE_SECRET, encoding="utf-8")
    fields = without("secret_env", secret_file="s.txt")
    (server,) = load_config(write(tmp_path / "conf", server_block(**fields)), ENVIRON).servers
    assert server.secret == FILE_SECRET


# -- configurations built in code ------------------------------------------------------------


def test_built_in_code() -> None:
    server = ServerConfig("pbx1", "127.0.0.1", 5038, "admin", SECRET)
    config = FleetConfig([server, ServerConfig("pbx2", "127.0.0.1", secret=SECRET)])
    assert isinstance(config.servers, tuple)
    assert config.reconnect.jitter == 1.0
    assert SECRET not in repr(config)
    assert SECRET not in repr(RedisSettings(password=SECRET))


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"name": "bad name", "host": "h"}, "name must be"),
        ({"name": "a", "host": ""}, "host is missing"),
        ({"name": "a", "host": "h", "port": 0}, "port must be"),
        ({"name": "a", "host": "h", "secret": "x\r\nAction: Originate"}, "line break"),
        ({"name": "a", "host": "h", "connect_timeout": 0}, "connect_timeout"),
        ({"name": "a", "host": "h", "tls": "yes"}, "tls must be"),
    ],
)
def test_bad_fields_in_code(fields: dict[str, object], reason: str) -> None:
    with pytest.raises(ConfigError, match=reason) as caught:
        ServerConfig(**fields)  # type: ignore[arg-type]
    assert "Originate" not in str(caught.value)


def test_duplicates_in_code() -> None:
    server = ServerConfig("pbx1", "127.0.0.1")
    with pytest.raises(ConfigError, match="duplicate server name"):
        FleetConfig((server, server))
    with pytest.raises(ConfigError, match="password"):
        RedisSettings(url=f"redis://user:{REDIS_PASSWORD}@h/0")
    with pytest.raises(ConfigError, match="metrics_port"):
        BridgeSettings(metrics_port=-1)
