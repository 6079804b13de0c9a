"""Rate limits are counted atomically in the database, so parallel requests cannot race past them."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from survey.limits import hit, peek, purge, reset

WINDOW = dt.timedelta(minutes=15)


def test_counts_go_up_one_by_one_and_say_when_the_window_ends(app):
    now = dt.datetime(2026, 12, 1, 10, 7)
    first = hit("login:a@example.org", 2, WINDOW, now=now)
    second = hit("login:a@example.org", 2, WINDOW, now=now)
    third = hit("login:a@example.org", 2, WINDOW, now=now)
    assert (first.count, second.count, third.count) == (1, 2, 3)
    assert not second.exceeded and third.exceeded
    assert third.resets_at == dt.datetime(2026, 12, 1, 10, 15)
    assert peek("login:a@example.org", 2, WINDOW, now=now).count == 3
    # Another key, and the next window, start again from one.
    assert hit("login:b@example.org", 2, WINDOW, now=now).count == 1
    assert hit("login:a@example.org", 2, WINDOW, now=now + WINDOW).count == 1


def test_reset_forgets_a_key(app):
    hit("k", 5, WINDOW)
    hit("k", 5, WINDOW)
    reset("k")
    assert peek("k", 5, WINDOW).count == 0


def test_a_count_survives_the_rollback_of_the_request_that_made_it(app):
    from survey.extensions import db

    hit("kept", 5, WINDOW)
    db.session.rollback()
    assert peek("kept", 5, WINDOW).count == 1


def test_parallel_hits_get_distinct_counts(app):
    """Forty requests at once: each gets its own number, none is lost, none is doubled."""
    def one(_):
        with app.app_context():
            return hit("parallel", 5, WINDOW).count

    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = sorted(pool.map(one, range(40)))
    assert counts == list(range(1, 41))
    assert sum(1 for c in counts if c <= 5) == 5


def test_purge_deletes_only_counters_of_windows_long_gone(app):
    now = dt.datetime(2026, 12, 10, 12, 0)
    hit("old", 5, WINDOW, now=now - dt.timedelta(days=3))
    hit("recent", 5, WINDOW, now=now - dt.timedelta(hours=1))
    assert purge(now=now) == 1
    assert peek("old", 5, WINDOW, now=now - dt.timedelta(days=3)).count == 0
    assert peek("recent", 5, WINDOW, now=now - dt.timedelta(hours=1)).count == 1
