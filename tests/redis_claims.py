"""Redis database indexes for test runs that may overlap on one machine (two xdist workers,
two checkouts, the two-instance test): each run claims a free index in database 0 first."""

from __future__ import annotations

import os
import secrets
import socket
from contextlib import contextmanager
from typing import Iterator

from redis import Redis

INDEXES = range(15, 0, -1)
CLAIM_SECONDS = 6 * 3600


@contextmanager
def claimed_redis_url(server: str = "redis://127.0.0.1:6379") -> Iterator[str]:
    """The URL of a Redis database index nobody else holds, flushed before and after."""
    claims = Redis.from_url(f"{server}/0")
    owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
    index = next((i for i in INDEXES
                  if claims.set(f"contest:scratch-redis:{i}", owner, nx=True, ex=CLAIM_SECONDS)), None)
    if index is None:
        raise RuntimeError("no free Redis database index (every index from 1 to 15 is claimed)")
    url = f"{server}/{index}"
    redis = Redis.from_url(url)
    redis.flushdb()
    try:
        yield url
    finally:
        redis.flushdb()
        if claims.get(f"contest:scratch-redis:{index}") == owner.encode():
            claims.delete(f"contest:scratch-redis:{index}")
        redis.close()
        claims.close()
