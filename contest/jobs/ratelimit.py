"""Request pacing for polling, so the platform's quota is respected.

Requests are spaced at least ``1 / (HEADROOM · rate)`` seconds apart (no bursts), by
one process (:class:`Pacer`) or across every RQ worker through Redis
(:class:`RedisPacer`). The headroom absorbs the jitter between the moment a request
is released and the moment the platform counts it, which would otherwise put one
request too many into some rolling second. When the platform says the rate is too
high (28003018) or the quota is gone (28003017), :meth:`slow_down` cuts the rate by a
fifth; it creeps back up after a run of successes.
"""

from __future__ import annotations

import threading
import time

HEADROOM = 0.95
MIN_RATE = 0.2  # requests per second, the floor when slowing down
RECOVER_AFTER = 50  # successes before the rate creeps back up


class Pacer:
    def __init__(self, rate: float, *, monotonic=time.monotonic, sleep=time.sleep):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.target = rate * HEADROOM
        self.rate = self.target
        self._monotonic = monotonic
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = 0.0
        self._successes = 0

    def _reserve(self) -> float:
        """The wait before this caller's turn; reserves the slot after it."""
        with self._lock:
            now = self._monotonic()
            slot = max(now, self._next)
            self._next = slot + 1.0 / self.rate
            return slot - now

    def acquire(self) -> None:
        wait = self._reserve()
        if wait > 0:
            self._sleep(wait)

    def slow_down(self) -> None:
        with self._lock:
            self.rate = max(MIN_RATE, self.rate * 0.8)
            self._successes = 0

    def succeeded(self) -> None:
        with self._lock:
            self._successes += 1
            if self.rate < self.target and self._successes >= RECOVER_AFTER:
                self.rate = min(self.target, self.rate * 1.25)
                self._successes = 0


# Atomically: the slot is max(now, next); next becomes slot + interval; answer the wait (ms).
_RESERVE = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, nxt)
redis.call('SET', KEYS[1], slot + tonumber(ARGV[1]), 'PX', 60000)
return slot - now
"""


class RedisPacer(Pacer):
    """The same pacing shared by every worker through one Redis key."""

    def __init__(self, redis, rate: float, *, key: str = "contest:poll:pace", sleep=time.sleep):
        super().__init__(rate, sleep=sleep)
        self._redis = redis
        self._key = key
        self._script = redis.register_script(_RESERVE)

    def _reserve(self) -> float:
        interval_ms = int(1000 / self.rate)
        return int(self._script(keys=[self._key], args=[interval_ms])) / 1000.0
