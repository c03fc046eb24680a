"""Backoff: doubling delays, a cap, jitter within bounds, reset after success."""

from __future__ import annotations

import pytest

from agent.host.backoff import Backoff


def test_delays_double_up_to_the_cap_and_reset() -> None:
    backoff = Backoff(initial=0.5, cap=4.0, jitter=0.0)
    assert [backoff.next() for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert backoff.failures == 6
    backoff.reset()
    assert backoff.next() == 0.5


def test_jitter_stays_within_its_bounds_and_never_exceeds_the_cap() -> None:
    backoff = Backoff(initial=1.0, cap=30.0, jitter=0.2, seed=3)
    delays = [backoff.next() for _ in range(12)]
    assert 0.8 <= delays[0] <= 1.2
    assert 1.6 <= delays[1] <= 2.4
    assert max(delays) <= 30.0
    assert len(set(delays)) > 1


@pytest.mark.parametrize(
    "kwargs", [{"initial": 0}, {"initial": 2, "cap": 1}, {"factor": 0.5}, {"jitter": 1.0}]
)
def test_nonsense_is_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Backoff(**kwargs)
