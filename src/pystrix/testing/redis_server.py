"""A throw-away ``redis-server`` on a free loopback port, for tests and demos of the bridge.

Tests of code that uses :mod:`pystrix.fleet.redis` or the bridge should talk to Redis
itself, not to a fake: this module starts the system's ``redis-server`` (Debian/Ubuntu:
``apt-get install redis-server``) in a temporary directory, optionally with a password,
over TLS with a throw-away certificate (made with ``openssl``), and with an append-only
file so that a restart keeps what was written, as a production Redis does::

    from pystrix.testing.redis_server import running_redis

    with running_redis() as redis_server:
        print(redis_server.url)           # redis://127.0.0.1:<port>/0

``kill()`` is SIGKILL; ``restart()`` starts it again on the same port.  Readiness is a
``PING`` answered, waited for by retrying the connection (the server gives no other
signal).  Needs ``redis`` (``pip install 'pystrix[redis]'``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["RedisServer", "free_port", "redis_server_binary", "running_redis"]

START_TIMEOUT = 15.0  # seconds before a server that does not answer is a failure


def redis_server_binary() -> str:
    """The path of ``redis-server``; a clear failure when it is not installed."""
    found = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None
    )
    if found is None:
        raise RuntimeError(
            "redis-server is not installed: the fleet tests need a real Redis "
            "(Debian/Ubuntu: apt-get install redis-server; .ci/run does it)"
        )
    return found


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """One ``redis-server`` process on 127.0.0.1.

    ``password`` sets ``requirepass``; ``tls`` serves TLS only (``url`` is then
    ``rediss://``, and :attr:`ca_file` is the certificate to trust); ``persistent``
    keeps an append-only file (fsync every write) so that :meth:`restart` finds the
    data again.
    """

    def __init__(
        self, *, password: str | None = None, tls: bool = False, persistent: bool = True
    ) -> None:
        self.password = password
        self.tls = tls
        self.persistent = persistent
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="pystrix-redis-"))
        self.ca_file: str | None = None
        self.process: subprocess.Popen[bytes] | None = None
        if tls:
            self._make_certificate()

    # -- addresses ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The URL a client uses (no password in it: pass it separately)."""
        scheme = "rediss" if self.tls else "redis"
        return f"{scheme}://127.0.0.1:{self.port}/0"

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for ``redis.asyncio.Redis.from_url(self.url, ...)``."""
        options: dict[str, Any] = {}
        if self.password is not None:
            options["password"] = self.password
        if self.tls:
            options["ssl_ca_certs"] = self.ca_file
        return options

    # -- life cycle --------------------------------------------------------------------

    def start(self) -> RedisServer:
        """Start the server and wait until it answers ``PING``."""
        if self.process is not None and self.process.poll() is None:
            return self
        command = [
            redis_server_binary(),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.directory),
            "--save",
            "",
            "--daemonize",
            "no",
            "--protected-mode",
            "no",
            "--logfile",
            str(self.directory / "redis.log"),
        ]
        if self.persistent:
            command += ["--appendonly", "yes", "--appendfsync", "always"]
        else:
            command += ["--appendonly", "no"]
        if self.password is not None:
            command += ["--requirepass", self.password]
        if self.tls:
            certificate = str(self.directory / "cert.pem")
            command += [
                "--port",
                "0",
                "--tls-port",
                str(self.port),
                "--tls-cert-file",
                certificate,
                "--tls-key-file",
                str(self.directory / "key.pem"),
                "--tls-ca-cert-file",
                certificate,
                "--tls-auth-clients",
                "no",
            ]
        else:
            command += ["--port", str(self.port)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        import redis

        deadline = time.monotonic() + START_TIMEOUT
        client = redis.Redis.from_url(self.url, socket_timeout=1.0, **self.client_options())
        try:
            while True:
                assert self.process is not None
                if self.process.poll() is not None:
                    log = (self.directory / "redis.log").read_text(errors="replace")
                    raise RuntimeError(f"redis-server exited at start:\n{log[-2000:]}")
                try:
                    if client.ping():
                        return
                except redis.exceptions.BusyLoadingError:
                    pass  # replaying its append-only file after a restart
                except (redis.exceptions.ConnectionError, OSError):
                    pass  # not listening yet
                if time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server on port {self.port} did not answer")
                # The server has no readiness signal but answering: a short pause between
                # connection attempts, not a timed wait for a result.
                time.sleep(0.02)
        finally:
            client.close()

    def kill(self) -> None:
        """SIGKILL: the server vanishes as in a crash (clients see resets)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL if it lingers)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def restart(self) -> RedisServer:
        """Start again on the same port (after :meth:`kill` or :meth:`stop`)."""
        self.stop()
        return self.start()

    def cleanup(self) -> None:
        """Stop the server and remove its directory."""
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def _make_certificate(self) -> None:
        """A self-signed certificate for 127.0.0.1 (openssl, from the distribution)."""
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                str(self.directory / "key.pem"),
                "-out",
                str(self.directory / "cert.pem"),
                "-days",
                "1",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
            ],
            check=True,
            capture_output=True,
        )
        self.ca_file = str(self.directory / "cert.pem")


@contextlib.contextmanager
def running_redis(**options: Any) -> Iterator[RedisServer]:
    """A started :class:`RedisServer`, cleaned up afterwards (also a fixture body)."""
    server = RedisServer(**options)
    try:
        yield server.start()
    finally:
        server.cleanup()
