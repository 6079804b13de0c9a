"""The hostile-input corpus, through every route of the app, for every role.

Routes come from ``app.url_map``, so a new route is covered as soon as it exists (and
fails ``test_every_route_can_be_filled`` until ``hostile_world`` says how to fill its
URL). Each route runs on a fresh copy of the demo data, on SQLite and on PostgreSQL.
See ``hostile_runner`` for what is sent and checked.

Failures that another branch of issue 10 fixes are listed in ``KNOWN`` with the branch
that fixes them: the corpus run leaves exactly those out, and a strict xfail test checks
each of them still fails here, so the entry must go when the fix is merged.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass

import pytest

from survey import create_app

from .hostile_payloads import KINDS
from .hostile_runner import Discovery, Failure, Runner, crawl
from .hostile_world import ROLES, build_world, missing_builders

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = [pytest.mark.security, pytest.mark.demo_v1]


def _endpoints() -> list[str]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "collect-routes",
                      "TESTING": True})
    return sorted({rule.endpoint for rule in app.url_map.iter_rules()})


ENDPOINTS = _endpoints()


@dataclass(frozen=True)
class Known:
    """A failure the corpus finds that another engineer's branch fixes."""

    endpoint: str
    kind: str  # a payload class, "form", "blank", "path:<class>" or "readers"
    problem: str  # a piece of the failure's text
    reason: str
    role: str | None = None

    def matches(self, failure: Failure) -> bool:
        return (failure.endpoint == self.endpoint and failure.kind == self.kind
                and (self.role is None or failure.role == self.role)
                and self.problem in failure.problem)


# Failures another change is known to fix, left out of the corpus run until it lands. Empty:
# every hole the corpus found is fixed. An entry added here needs its own strict xfail test.
KNOWN: tuple[Known, ...] = ()


# One crawl of every page per database backend: the forms (and their fields) it found.
_DISCOVERED: dict[str, Discovery] = {}
_STATS: dict[str, Counter] = {}
_SENT: dict[tuple[str, str], int] = {}


@pytest.fixture(scope="module", autouse=True)
def _corpus_summary(request):
    """Say at the end how much of the corpus ran: routes x roles x classes, and requests."""
    yield
    plugins = request.config.pluginmanager
    reporter, capture = plugins.getplugin("terminalreporter"), plugins.getplugin("capturemanager")
    if reporter is not None and capture is not None and _STATS:
        with capture.global_and_fixture_disabled():
            reporter.ensure_newline()
            for backend, stats in _STATS.items():
                reporter.write_line(
                    f"hostile corpus on {backend}: {stats['routes']} routes, "
                    f"{stats['route-role-class']} route x role x payload-class combinations, "
                    f"{stats['requests']:,} requests")
    path = os.environ.get("SURVEY_CORPUS_STATS")
    if path:
        with open(path, "w") as out:
            for (backend, endpoint), sent in sorted(_SENT.items(), key=lambda item: -item[1]):
                out.write(f"{backend} {endpoint} {sent}\n")


def _runner(app) -> Runner:
    from survey.extensions import db

    world = build_world()
    backend = db.engine.dialect.name
    runner = Runner(app, world, _DISCOVERED.get(backend) or Discovery())
    if backend not in _DISCOVERED:
        _DISCOVERED[backend] = crawl(app, runner)
    return runner


def _rule(app, endpoint: str):
    return next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)


def _report(failures: list[Failure]) -> str:
    lines = [str(f) for f in failures[:40]]
    if len(failures) > 40:
        lines.append(f"… and {len(failures) - 40} more")
    return f"{len(failures)} problem(s):\n" + "\n".join(lines)


def test_every_route_can_be_filled(app):
    """A route whose URL the corpus cannot build would go untested: name it."""
    assert missing_builders(app) == []


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_hostile_corpus(app, demo, endpoint, request):
    runner = _runner(app)
    try:
        result = runner.run_route(_rule(app, endpoint))
    finally:
        runner.close()
    backend = request.node.callspec.params["database_url"]
    _STATS.setdefault(backend, Counter()).update(
        {"routes": 1, "requests": result.sent,
         "route-role-class": len([key for key, n in result.requests.items() if n])})
    _SENT[(backend, endpoint)] = result.sent
    failures = [f for f in result.failures if not any(k.matches(f) for k in KNOWN)]
    assert not failures, _report(failures)
    # Every role met every payload class on this route.
    missing = [(role, kind) for role in ROLES for kind in KINDS if not result.requests[(role, kind)]]
    assert not missing


