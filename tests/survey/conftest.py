"""Fixtures shared by the page tests of questionnaire v2 (answering, review, profiles)."""

from __future__ import annotations

import pytest

from tests.conftest import login_as
from tests.survey.answering.test_answering import response_of, user
from tests.survey.answering.test_checks import V2_ROUND, open_v2_round


@pytest.fixture
def v2_round(demo):
    """Questionnaire v2 stored and a round opened on it after the demo's v1 rounds."""
    return open_v2_round()


@pytest.fixture
def tha2(v2_round, client):
    """Thailand's response in the v2 round, its focal point logged in."""
    login_as(client, user("focal.tha@example.org"))
    return response_of("THA", V2_ROUND)
