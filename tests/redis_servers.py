"""The real ``redis-server`` of the fleet tests: :mod:`pystrix.testing.redis_server`."""

from pystrix.testing.redis_server import RedisServer, free_port, redis_server_binary, running_redis

__all__ = ["RedisServer", "free_port", "redis_server_binary", "running_redis"]
