"""Background work: within the request without Redis, on RQ with it; failed or lost jobs show failed.

The Redis tests use their own queue name on a dedicated Redis database and delete only
the keys of that queue. They skip (with the reason) when no Redis answers, except in CI
(``SURVEY_REQUIRE_REDIS=1``), where they must run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import time
import uuid
import zlib

import pytest
from redis import Redis
from redis.exceptions import RedisError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer
from sqlalchemy import func, select

from survey import jobs
from survey.downloads.services import start_job
from survey.extensions import db
from survey.models import ExportJob, OutboxMessage, User, utcnow
from tests.conftest import login_as
from tests.exports.helpers import load, table
from tests.exports.world import build_world
from tests.survey.admin.test_admin_accounts import FakeSMTP

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = pytest.mark.demo_v1

REDIS_URL = os.environ.get("SURVEY_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture
def world(seeded):
    return build_world()


def _export(client, world, **changes) -> int:
    data = {"round_id": world["current"].id, "subregion": "South-East Asia",
            "status": "submitted", "format": "xlsx", **changes}
    response = client.post("/exports/", data=data)
    assert response.status_code == 302
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def _status(client, job_id: int) -> dict:
    return client.get(f"/exports/jobs/{job_id}/status").get_json()


def _old_job(user: User, state: str, age: dt.timedelta) -> int:
    job = ExportJob(user_id=user.id, params={"kind": "regional", "round": "R2 current"},
                    state=state, progress=40 if state == "running" else 0,
                    created_at=utcnow() - age)
    db.session.add(job)
    db.session.commit()
    return job.id


# -- without Redis: within the request ---------------------------------------------

def test_without_redis_the_file_is_ready_when_the_job_page_opens(client, world, make_user):
    login_as(client, make_user("analyst"))
    job_id = _export(client, world)
    page = client.get(f"/exports/jobs/{job_id}").get_data(as_text=True)
    assert "Your file is ready." in page
    status = _status(client, job_id)
    assert status["state"] == "done"
    wb = load(client.get(status["download_url"]).data)
    assert {r["ISO3"] for r in table(wb["Scores"], "Scores")} == {"THA", "KHM"}


def test_without_redis_a_job_its_request_never_finished_shows_failed(client, world, make_user):
    analyst = make_user("analyst")
    login_as(client, analyst)
    timeout = dt.timedelta(seconds=client.application.config["SURVEY_JOB_TIMEOUT_SECONDS"])
    abandoned = _old_job(analyst, "running", timeout + dt.timedelta(minutes=10))
    recent = _old_job(analyst, "running", dt.timedelta(minutes=1))
    listing = client.get("/exports/").get_data(as_text=True)
    assert "Failed" in listing and "Preparing (40%)" in listing
    status = _status(client, abandoned)
    assert status["state"] == "failed" and "did not finish in time" in status["error"]
    assert "The export failed: it did not finish in time" in \
        client.get(f"/exports/jobs/{abandoned}").get_data(as_text=True)
    assert _status(client, recent)["state"] == "running"


def test_only_known_tasks_on_row_ids_run(app):
    for task, object_id in (("os.system", 1), ("export", "1"), ("export", -3), ("mail", True)):
        with pytest.raises(jobs.UntrustedJob):
            jobs.perform(task, object_id)
        with pytest.raises(jobs.UntrustedJob):
            jobs.enqueue(task, object_id)


def test_an_unreachable_redis_marks_the_export_failed_not_waiting(client, world, make_user):
    client.application.config.update(SURVEY_REDIS_URL="redis://127.0.0.1:9/0")
    login_as(client, make_user("analyst"))
    job_id = _export(client, world)
    status = _status(client, job_id)
    assert status["state"] == "failed" and "job queue could not be reached" in status["error"]


# -- with Redis: on the queue --------------------------------------------------------

@pytest.fixture
def redis_queue(app):
    """Point the app at a queue of its own on the test Redis database; clean up after."""
    connection = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except RedisError as exc:
        connection.close()
        if os.environ.get("SURVEY_REQUIRE_REDIS"):
            pytest.fail(f"SURVEY_REQUIRE_REDIS is set but no Redis answers at {REDIS_URL}: {exc}")
        pytest.skip(f"no Redis answers at {REDIS_URL} ({exc}); these tests run in CI")
    name = f"survey-test-{uuid.uuid4().hex[:12]}"
    app.config.update(SURVEY_REDIS_URL=REDIS_URL, SURVEY_QUEUE_NAME=name)
    yield connection
    for key in connection.scan_iter(match=f"*{name}*", count=500):
        connection.delete(key)
    connection.srem("rq:queues", f"rq:queue:{name}")
    for worker_key in connection.smembers("rq:workers"):  # a killed worker never signs off
        if name in worker_key.decode():
            connection.srem("rq:workers", worker_key)
    connection.close()
    for client in app.extensions.get("survey_redis", {}).values():
        client.close()


def _work(app, *, simple: bool = True) -> None:
    """Run the queue until it is empty, as `survey worker --burst` would."""
    name = f"{app.config['SURVEY_QUEUE_NAME']}-worker-{uuid.uuid4().hex[:6]}"
    jobs.make_worker(app, simple=simple, name=name).work(burst=True)


def _rq_status(app, task: str, object_id: int) -> JobStatus:
    queue = jobs.get_queue(app)
    return Job.fetch(jobs.rq_job_id(task, object_id, app), connection=queue.connection,
                     serializer=JSONSerializer).get_status()


def test_with_redis_the_worker_builds_the_export(client, world, make_user, redis_queue):
    login_as(client, make_user("analyst"))
    job_id = _export(client, world)
    # The request only queued it: the page says it is being prepared.
    assert "Preparing your file" in client.get(f"/exports/jobs/{job_id}").get_data(as_text=True)
    assert _status(client, job_id)["state"] == "queued"
    assert len(jobs.get_queue(client.application)) == 1
    _work(client.application)
    status = _status(client, job_id)
    assert status["state"] == "done" and status["progress"] == 100
    wb = load(client.get(status["download_url"]).data)
    assert {r["ISO3"] for r in table(wb["Scores"], "Scores")} == {"THA", "KHM"}


def test_the_queue_holds_a_task_name_and_a_row_id_as_json(client, world, make_user, redis_queue):
    login_as(client, make_user("analyst"))
    job_id = _export(client, world)
    raw = redis_queue.hget(f"rq:job:{jobs.rq_job_id('export', job_id, client.application)}", "data")
    assert json.loads(zlib.decompress(raw)) == ["survey.jobs.perform", None, ["export", job_id], {}]


def test_a_job_that_raises_on_the_worker_says_why(app, world, make_user, client, redis_queue):
    analyst = make_user("analyst")
    job = start_job(analyst, {"kind": "regional", "round": "Gone round", "status": "approved",
                              "format": "xlsx"})
    db.session.commit()
    jobs.enqueue("export", job.id)
    _work(app)
    login_as(client, analyst)
    status = _status(client, job.id)
    assert status["state"] == "failed" and "no round named 'Gone round'" in status["error"]
    assert _rq_status(app, "export", job.id) == JobStatus.FAILED


def test_a_worker_killed_mid_job_shows_the_export_failed(app, world, make_user, client,
                                                         redis_queue, monkeypatch):
    """RQ's forking worker: the work-horse dies (SIGKILL) after marking the export running."""
    import survey.downloads.services as exports_service

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(exports_service, "build_export", die)  # inherited by the forked horse
    analyst = make_user("analyst")
    login_as(client, analyst)
    job_id = _export(client, world)
    _work(app, simple=False)
    db.session.expire_all()
    assert db.session.get(ExportJob, job_id).state == "running"  # what the dead horse left
    status = _status(client, job_id)
    assert status["state"] == "failed"
    assert "background worker stopped before it finished" in status["error"]
    assert "Failed" in client.get("/exports/").get_data(as_text=True)


def test_a_whole_worker_killed_shows_the_export_failed_once_its_heartbeat_lapses(
        app, world, make_user, client, redis_queue, monkeypatch, tmp_path):
    """Worker and work-horse both killed: nobody is left to tell RQ, so the job stays
    "started" until its heartbeat lapses; then the page's look at RQ ends it."""
    import survey.downloads.services as exports_service

    horse_pid = tmp_path / "horse.pid"

    def hang(*args, **kwargs):
        horse_pid.write_text(str(os.getpid()))
        time.sleep(120)

    monkeypatch.setattr(exports_service, "build_export", hang)  # inherited by the forked horse
    analyst = make_user("analyst")
    login_as(client, analyst)
    job_id = _export(client, world)
    pid = os.fork()
    if pid == 0:  # the worker process
        try:
            os.setpgid(0, 0)
            _work(app, simple=False)
        finally:
            os._exit(0)
    try:
        deadline = time.monotonic() + 60
        while not horse_pid.exists() or _rq_status(app, "export", job_id) != JobStatus.STARTED \
                or _status(client, job_id)["state"] != "running":
            assert time.monotonic() < deadline, "the worker did not start the export"
            time.sleep(0.1)
    finally:
        os.killpg(pid, signal.SIGKILL)  # the worker
        os.waitpid(pid, 0)
        if horse_pid.exists():  # and its work-horse, which RQ puts in a process group of its own
            os.kill(int(horse_pid.read_text()), signal.SIGKILL)
    assert _status(client, job_id)["state"] == "running"  # its heartbeat has not lapsed yet
    registry = jobs.get_queue(app).started_job_registry
    for entry in redis_queue.zrange(registry.key, 0, -1):  # let the heartbeat lapse
        redis_queue.zadd(registry.key, {entry: time.time() - 1})
    status = _status(client, job_id)
    assert status["state"] == "failed"
    assert "background worker stopped before it finished" in status["error"]


def test_a_job_the_queue_lost_shows_failed(client, world, make_user, redis_queue):
    login_as(client, make_user("analyst"))
    job_id = _export(client, world)
    Job.fetch(jobs.rq_job_id("export", job_id, client.application), connection=redis_queue,
              serializer=JSONSerializer).delete()
    status = _status(client, job_id)
    assert status["state"] == "failed" and "no longer has this job" in status["error"]


def test_a_job_no_worker_picks_up_shows_failed_once_overdue(client, world, make_user, redis_queue):
    analyst = make_user("analyst")
    login_as(client, analyst)
    app = client.application
    waiting = _export(client, world)
    assert _status(client, waiting)["state"] == "queued"
    stale = start_job(analyst, {"kind": "regional", "round": world["current"].id})
    stale.created_at = utcnow() - dt.timedelta(hours=2)
    db.session.commit()
    jobs.enqueue("export", stale.id)
    status = _status(client, stale.id)
    assert status["state"] == "failed" and "is `survey worker` running?" in status["error"]
    assert _status(client, waiting)["state"] == "queued"
    assert _rq_status(app, "export", waiting) == JobStatus.QUEUED


def test_the_worker_refuses_jobs_it_did_not_enqueue(app, world, make_user, redis_queue):
    analyst = make_user("analyst")
    job = start_job(analyst, {"kind": "regional", "round": world["current"].id})
    db.session.commit()
    queue = jobs.get_queue(app)
    forged = [queue.enqueue_call(func, args=args, kwargs=kwargs, job_id=f"{queue.name}-forged-{n}")
              for n, (func, args, kwargs) in enumerate([
                  ("survey.downloads.services.run_job", (job.id,), None),
                  (jobs.PERFORM, ("export", job.id), {"x": 1}),
                  (jobs.PERFORM, ("shell", job.id), None)])]
    _work(app)
    for rq_job in forged:
        assert rq_job.get_status() == JobStatus.FAILED
    db.session.expire_all()
    assert db.session.get(ExportJob, job.id).state == "queued"  # none of them ran the export


def test_mail_is_queued_after_the_commit_and_delivered_by_the_worker(client, demo, redis_queue,
                                                                     monkeypatch):
    FakeSMTP.sent, FakeSMTP.fail = [], False
    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    app = client.application
    app.config.update(SURVEY_MAIL_SERVER="mail.example.org")
    login_as(client, db.session.scalar(select(User).where(User.email == "admin@example.org")))
    assert client.post("/admin/users", data={"email": "queued@example.org",
                                             "role": "analyst"}).status_code == 302
    message = db.session.scalar(select(OutboxMessage)
                                .where(OutboxMessage.to_addr == "queued@example.org"))
    assert FakeSMTP.sent == [] and message.sent_at is None  # the request did not wait for SMTP
    assert len(jobs.get_queue(app)) == 1
    _work(app)
    assert [m["To"] for m in FakeSMTP.sent] == ["queued@example.org"]
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).sent_at is not None


def test_mail_of_a_rolled_back_transaction_is_never_queued(app, demo, redis_queue, monkeypatch):
    from survey.mail import send_mail

    app.config.update(SURVEY_MAIL_SERVER="mail.example.org")
    send_mail("nobody@example.org", "Never", "This transaction rolls back")
    db.session.rollback()
    assert len(jobs.get_queue(app)) == 0
    send_mail("somebody@example.org", "Kept", "This one commits")
    assert len(jobs.get_queue(app)) == 0  # not before the commit
    db.session.commit()
    assert len(jobs.get_queue(app)) == 1
    assert db.session.scalar(select(func.count(OutboxMessage.id))
                             .where(OutboxMessage.to_addr == "nobody@example.org")) == 0


def test_a_refused_queued_mail_keeps_its_error(client, demo, redis_queue, monkeypatch):
    from survey.mail import send_mail

    FakeSMTP.sent, FakeSMTP.fail = [], True
    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    app = client.application
    app.config.update(SURVEY_MAIL_SERVER="mail.example.org")
    message = send_mail("bounce@example.org", "Hello", "Body")
    db.session.commit()
    _work(app)
    db.session.expire_all()
    kept = db.session.get(OutboxMessage, message.id)
    assert kept.sent_at is None and "SMTPRecipientsRefused" in kept.error
    login_as(client, db.session.scalar(select(User).where(User.email == "admin@example.org")))
    assert "Failed" in client.get("/admin/outbox").get_data(as_text=True)


def test_survey_worker_needs_redis(runner, app):
    from survey.cli import cli

    app.config.update(SURVEY_REDIS_URL=None)
    result = runner.invoke(cli, args=["worker", "--burst"])
    assert result.exit_code == 1 and "SURVEY_REDIS_URL is not set" in result.output


def test_survey_worker_burst_runs_the_queue(runner, app, world, make_user, redis_queue):
    from survey.cli import cli

    job = start_job(make_user("analyst"), {"kind": "regional", "round": world["current"].id,
                                           "format": "csv"})
    db.session.commit()
    jobs.enqueue("export", job.id)
    result = runner.invoke(cli, args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(ExportJob, job.id).state == "done"
