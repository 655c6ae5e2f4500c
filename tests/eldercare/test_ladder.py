"""The escalation clock: which rung is due when, a late clock catching up, the top rung holding."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.eldercare import ladder
from app.eldercare.ladder import Ladder

RAISED = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
FIVE = timedelta(minutes=5)


def test_rungs_leave_out_whoever_is_not_there():
    assert ladder.rungs(guardians=True, contact_ids=["a", "b"], centre=True) == [
        {"kind": "guardians"},
        {"kind": "contact", "contact_id": "a"},
        {"kind": "contact", "contact_id": "b"},
        {"kind": "centre"},
    ]
    assert ladder.rungs(guardians=False, contact_ids=[], centre=True) == [{"kind": "centre"}]
    assert ladder.rungs(guardians=False, contact_ids=[], centre=False) == []


@pytest.mark.parametrize(
    ("after", "rung"),
    [
        (timedelta(0), 0),
        (timedelta(minutes=4, seconds=59), 0),
        (FIVE, 1),
        (timedelta(minutes=14, seconds=59), 2),
        (timedelta(minutes=15), 3),
        (timedelta(hours=5), 3),  # the top rung holds
        (-timedelta(minutes=1), 0),  # a clock slightly behind the press
    ],
)
def test_the_rung_due_follows_the_clock(after, rung):
    assert Ladder(4, RAISED, FIVE).rung_at(RAISED + after) == rung


def test_the_next_rung_is_due_every_interval_until_the_top():
    steps = Ladder(4, RAISED, FIVE)
    assert [steps.next_at(reached) for reached in (-1, 0, 1, 2)] == [
        RAISED,
        RAISED + FIVE,
        RAISED + 2 * FIVE,
        RAISED + 3 * FIVE,
    ]
    assert steps.next_at(3) is None


def test_a_late_clock_calls_every_rung_it_missed_once():
    steps = Ladder(4, RAISED, FIVE)
    assert list(steps.due(-1, RAISED)) == [0]
    assert list(steps.due(0, RAISED + timedelta(minutes=12))) == [1, 2]
    assert list(steps.due(2, RAISED + timedelta(minutes=12))) == []  # run twice: nothing more
    assert list(steps.due(3, RAISED + timedelta(hours=1))) == []


def test_an_empty_ladder_calls_nobody_and_asks_for_nothing():
    empty = Ladder(0, RAISED, FIVE)
    assert empty.rung_at(RAISED + timedelta(hours=1)) == -1
    assert list(empty.due(-1, RAISED + timedelta(hours=1))) == []
    assert empty.next_at(-1) is None
