"""Throttles for the account pages: failed logins, sign-ups, password-reset e-mails.

Counts live in Django's cache (Redis when REDIS_URL is set, so every gunicorn
worker sees the same counts) per client IP and, where there is one, per
username or address. Failed logins: once either count reaches
LOGIN_THROTTLE_FAILURES within LOGIN_THROTTLE_WINDOW seconds, further
attempts are refused with 429 -- even with the right password, or the
throttle would only slow an attacker down by one guess. Sign-ups and reset
e-mails cost us an account or a message each, so every one counts.
"""

import functools
import hashlib
import logging

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)


def _fail_open(default):
    """Skip the throttle while the cache (Redis) is unreachable.

    Teachers must still be able to log in during a Redis outage; losing the
    brute-force counters for those minutes is the lesser harm.
    """

    def decorate(method):
        @functools.wraps(method)
        def wrapper(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except Exception as exc:  # redis-py and the cache backends raise several kinds
                log.warning("throttle skipped: cache unavailable (%s)", exc)
                return default

        return wrapper

    return decorate


def client_ip(request) -> str:
    """The client's address, trusting X-Forwarded-For only as far as our own proxies.

    Behind N reverse proxies (DIGITSIGHT_PROXY_COUNT) the client is the Nth
    address from the right; anything further left is whatever the client wrote.
    """
    proxies = getattr(settings, "DIGITSIGHT_PROXY_COUNT", 0)
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "unknown")


def _key(kind: str, value: str) -> str:
    # Hashed: usernames may hold characters some cache backends reject in keys.
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    return f"throttle:{kind}:{digest}"


class _Counter:
    """Counts events per key within a window; blocked once any key reaches the limit."""

    def __init__(self, request, action: str, who: str | None, limit: int, window: int):
        self.keys = [_key(f"{action}-ip", client_ip(request))]
        if who:
            self.keys.append(_key(f"{action}-who", who.strip().lower()))
        self.limit, self.retry_after = limit, window

    @_fail_open(default=False)
    def blocked(self) -> bool:
        return any(count >= self.limit for count in cache.get_many(self.keys).values())

    @_fail_open(default=None)
    def count(self) -> None:
        for key in self.keys:
            # add() starts the window on the first event; incr() keeps its expiry.
            cache.add(key, 0, timeout=self.retry_after)
            try:
                cache.incr(key)
            except ValueError:  # expired between add() and incr()
                cache.set(key, 1, timeout=self.retry_after)


class ActionThrottle(_Counter):
    """Sign-ups per IP; password-reset e-mails per IP and per address (ACTION_THROTTLE_WINDOW)."""

    def __init__(self, request, action: str, limit: int, who: str | None = None):
        super().__init__(request, action, who, limit, settings.ACTION_THROTTLE_WINDOW)


class LoginThrottle(_Counter):
    def __init__(self, request, username: str | None):
        super().__init__(
            request, "login", username, settings.LOGIN_THROTTLE_FAILURES, settings.LOGIN_THROTTLE_WINDOW
        )

    def failed(self) -> None:
        self.count()

    @_fail_open(default=None)
    def succeeded(self) -> None:
        # Only the username's count: one teacher logging in must not clear a
        # shared school IP that someone else is hammering.
        cache.delete_many(self.keys[1:])
