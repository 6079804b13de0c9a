"""Anonymous posts cannot fill the disk or the database (issue 10, item 4).

Today's code wrote every anonymous post to a resumable address into the instance
folder, for ids that do not exist, with no limit: ten 4 MB posts made 42 MB.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from survey.extensions import db

from .helpers import SAME_ORIGIN, files_under, sets_cookie

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = pytest.mark.demo_v1


def test_anonymous_posts_keep_nothing_anywhere(app, demo):
    client = app.test_client()
    big = "x" * 1_000_000
    replies = [client.post(f"/responses/{999_000 + i}/sections/anything-{i}", csrf=False,
                           headers=SAME_ORIGIN, data={"a": big, "b": big})
               for i in range(10)]
    assert all(reply.status_code in (403, 404) for reply in replies)
    assert not any(sets_cookie(reply) for reply in replies)
    assert files_under(app) == []
    from survey.models import FormStash

    assert db.session.scalar(select(func.count(FormStash.id))) == 0
