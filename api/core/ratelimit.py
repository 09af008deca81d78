"""How fast one resident may send: a token bucket per conversation, kept in this process.

A person types a message every few seconds at most; a pasted list or an impatient "在吗 在吗"
fits in the burst. Anything faster is a script or a stuck key, and gets a polite 429 instead
of reaching the assistant (the page keeps the text so nothing the resident typed is lost)."""
import threading
import time
from collections import OrderedDict


class RateLimiter:
    def __init__(self, burst: int, per_second: float, max_keys: int = 100_000):
        self.burst, self.per_second, self.max_keys = burst, per_second, max_keys
        self._buckets = OrderedDict()  # key → (tokens, last refill); oldest first
        self._lock = threading.Lock()

    def allow(self, key: str, now: float = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.per_second)
            ok = tokens >= 1
            self._buckets[key] = (tokens - 1 if ok else tokens, now)
            while len(self._buckets) > self.max_keys:  # forget the longest-idle conversations
                self._buckets.popitem(last=False)
            return ok

    def blocked(self, key: str, now: float = None) -> bool:
        """Whether the next `allow` would refuse, without spending anything (sign-in checks
        this before the password, and spends only on a failure)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            return min(self.burst, tokens + (now - last) * self.per_second) < 1

    def forget(self, key: str) -> None:
        with self._lock:
            self._buckets.pop(key, None)

    def retry_after(self, key: str, now: float = None) -> int:
        """Whole seconds until the next message would be accepted."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.per_second)
        return max(1, int((1 - tokens) / self.per_second + 0.999))
