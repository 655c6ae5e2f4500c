"""Ids are UUIDv7: valid per RFC 9562 and sorted by creation time, even within one millisecond."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from app.core.ids import UUIDv7Generator, new_id

MOMENT = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
MOMENT_MS = int(MOMENT.timestamp()) * 1000


def _millis(identifier: uuid.UUID) -> int:
    return identifier.int >> 80


def _clock(*millis: int):
    """A fake clock answering the given milliseconds in turn (the last one forever after)."""
    readings = list(millis)

    def now_ns() -> int:
        return (readings.pop(0) if len(readings) > 1 else readings[0]) * 1_000_000

    return now_ns


def test_version_and_variant_bits():
    for identifier in (new_id() for _ in range(100)):
        assert identifier.version == 7
        assert identifier.variant == uuid.RFC_4122
        assert str(identifier)[14] == "7"
        assert str(identifier)[19] in "89ab"


def test_the_timestamp_is_the_creation_millisecond():
    identifier = UUIDv7Generator(_clock(MOMENT_MS + 5))()
    assert _millis(identifier) == MOMENT_MS + 5


def test_ids_sort_by_creation_across_milliseconds():
    generate = UUIDv7Generator(_clock(*(MOMENT_MS + step for step in range(10))))
    ids = [generate() for _ in range(10)]
    assert [_millis(i) for i in ids] == [MOMENT_MS + step for step in range(10)]
    assert ids == sorted(ids)


def test_ids_made_in_the_same_millisecond_still_sort_in_creation_order():
    generate = UUIDv7Generator(_clock(MOMENT_MS))
    ids = [generate() for _ in range(500)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 500
    assert {_millis(i) for i in ids} == {MOMENT_MS}
    assert all(i.version == 7 and i.variant == uuid.RFC_4122 for i in ids)


def test_a_clock_that_steps_back_does_not_break_the_order():
    generate = UUIDv7Generator(_clock(MOMENT_MS, MOMENT_MS - 60_000))
    first, after_step_back = generate(), generate()
    assert after_step_back > first


def test_an_exhausted_millisecond_moves_on_to_the_next():
    generate = UUIDv7Generator(_clock(MOMENT_MS), entropy=lambda n: b"\xff" * n)
    first, second = generate(), generate()
    assert second > first
    assert _millis(second) == MOMENT_MS + 1


def test_ids_are_unique_and_unguessable():
    ids = [new_id() for _ in range(2000)]
    assert len(set(ids)) == 2000
    assert ids == sorted(ids)
    assert len({i.int & ((1 << 62) - 1) for i in ids}) == 2000
