"""Public identifiers: time-ordered UUIDv7 (RFC 9562), never sequential integers."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable

_RAND_BITS = 74  # rand_a (12 bits) and rand_b (62 bits)
_RAND_LIMIT = 1 << _RAND_BITS


class UUIDv7Generator:
    """UUIDv7s strictly increasing within a process, even within one millisecond (RFC 9562 §6.2, method 2).

    A new millisecond starts from fresh random bits; within the same millisecond (or when the
    clock steps back) the random part grows by a random step below 2**32, so ids stay unguessable.
    """

    def __init__(
        self, clock_ns: Callable[[], int] = time.time_ns, entropy: Callable[[int], bytes] = os.urandom
    ):
        self._clock_ns = clock_ns
        self._entropy = entropy
        self._lock = threading.Lock()
        self._millis = -1
        self._rand = 0

    def _random_bits(self, bits: int) -> int:
        return int.from_bytes(self._entropy(10), "big") >> (80 - bits)

    def _next_parts(self) -> tuple[int, int]:
        millis = self._clock_ns() // 1_000_000
        with self._lock:
            if millis > self._millis:
                rand = self._random_bits(_RAND_BITS)
            else:
                millis = self._millis
                rand = self._rand + 1 + self._random_bits(32)
                if rand >= _RAND_LIMIT:  # counter exhausted: borrow the next millisecond
                    millis += 1
                    rand = self._random_bits(_RAND_BITS - 1)
            self._millis, self._rand = millis, rand
        return millis, rand

    def __call__(self) -> uuid.UUID:
        """The next id: 48-bit millisecond timestamp, version, 74 random bits, variant."""
        millis, rand = self._next_parts()
        value = (millis & ((1 << 48) - 1)) << 80
        value |= 0x7 << 76  # version
        value |= (rand >> 62) << 64  # rand_a, 12 bits
        value |= 0b10 << 62  # variant
        value |= rand & ((1 << 62) - 1)  # rand_b, 62 bits
        return uuid.UUID(int=value)


_generator = UUIDv7Generator()


def new_id() -> uuid.UUID:
    """A UUIDv7: 48-bit millisecond timestamp, then random bits; sorts by creation time."""
    return _generator()
