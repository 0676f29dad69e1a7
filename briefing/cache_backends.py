"""Cache backends of our own: Django's Redis cache, without its per-call client cost."""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's Redis client wrapper, keeping one ``redis.Redis`` and one connection per server.

    Django builds a new ``redis.Redis`` object for every cache call, and each
    command then borrows a connection from the pool and gives it back; with
    redis-py 8 the two cost more than the round trip to Redis itself. Every
    page cache hit reads the content version, so each one paid them. Django
    keeps a cache backend (and so one of these) per thread, so a single
    connection is enough; ``redis.Redis`` still serializes its commands with
    a lock, should one be shared, and reconnects after an error. Pipelines
    (``set_many()``…) take connections from the pool as before.
    """

    def __init__(self, servers: list[str], **options: Any) -> None:
        super().__init__(servers, **options)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        """The ``redis.Redis`` client for the server a read (or ``write``) goes to."""
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool, single_connection_client=True)
        return client


class RedisCache(DjangoRedisCache):
    """``django.core.cache.backends.redis.RedisCache``, reusing its Redis client and connection (same options)."""

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
