"""The test harness's real Redis: plain, with a password, over TLS, killed and restarted."""

from __future__ import annotations

import redis

from redis_servers import RedisServer, running_redis


def test_a_stream_entry_survives_a_kill_and_restart(redis_server: RedisServer) -> None:
    client = redis.Redis.from_url(redis_server.url)
    entry = client.xadd("probe", {"n": "1"})
    client.close()
    redis_server.kill()
    redis_server.restart()
    client = redis.Redis.from_url(redis_server.url)
    try:
        assert [found for found, _ in client.xrange("probe")] == [entry]
    finally:
        client.close()


def test_password_and_tls() -> None:
    with running_redis(password="s3cret", tls=True) as server:
        assert server.url.startswith("rediss://127.0.0.1:")
        client = redis.Redis.from_url(server.url, **server.client_options())
        try:
            assert client.ping()
        finally:
            client.close()
        refused = redis.Redis.from_url(server.url, ssl_ca_certs=server.ca_file)
        try:
            try:
                refused.ping()
            except redis.exceptions.AuthenticationError:
                pass
            else:
                raise AssertionError("a client without the password was let in")
        finally:
            refused.close()
