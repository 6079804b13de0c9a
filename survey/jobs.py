"""Background work: on RQ (Redis) when ``SURVEY_REDIS_URL`` is set, otherwise within the request.

Two kinds of work leave the request today: building a regional export and delivering
an outbox message. Both are *tasks* named in ``TASKS``; a job is a task name plus the
id of the database row it works on, nothing else. The worker therefore trusts only
what it can look up again: jobs go through RQ's JSON serializer (no pickle), and the
worker refuses any job that is not ``perform(<known task>, <row id>)``.

``perform`` is the one wrapper both paths use: it pushes a fresh app context (so the
job has its own database session), runs the task, commits, and on an exception rolls
back and lets the task mark its row failed with a message a person can read.

Work is handed over only after the request's transaction has committed, so the job
always finds its row: a view that commits itself calls ``enqueue`` afterwards; a
service that only flushes calls ``enqueue_after_commit``, which holds the job on the
session until its commit (and drops it if the transaction rolls back).

A job whose worker died is never shown "running" for ever: ``lost_reason`` asks RQ
about a job still recorded as queued or running (RQ marks a job whose work-horse was
killed as failed, and moves a job whose worker stopped heart-beating to its failed
registry); a job no worker takes up, or one run within a request that ended, is given up
once it is older than the job timeout plus a margin.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, has_app_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker, Worker, get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer
from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import db
from .models import utcnow
from .rules import SurveyError

log = logging.getLogger(__name__)

# task name -> (run(row_id), failed(row_id, exc)), as "module:function" so that importing
# this module imports neither service.
TASKS: dict[str, tuple[str, str]] = {
    "export": ("survey.downloads.services:run_job", "survey.downloads.services:job_failed"),
    "mail": ("survey.mail:deliver_queued", "survey.mail:delivery_failed"),
}
PERFORM = "survey.jobs.perform"
KEEP_RQ_RECORDS = 7 * 24 * 3600  # how long RQ keeps a finished or failed job's record (seconds)
STALE_MARGIN = dt.timedelta(minutes=5)  # beyond the job timeout, before a silent job is given up
_PENDING = "survey_jobs_after_commit"
_worker_app: Flask | None = None


class UntrustedJob(RuntimeError):
    """A job on the queue that this app did not put there."""


def _check(task: str, object_id: Any) -> None:
    if task not in TASKS or type(object_id) is not int or object_id <= 0:
        raise UntrustedJob(f"not a job this app runs: {task!r}, {object_id!r}")


def _function(path: str) -> Callable[..., Any]:
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)


# -- configuration and the queue --------------------------------------------------

def queue_configured(app: Flask | None = None) -> bool:
    return bool((app or current_app).config.get("SURVEY_REDIS_URL"))


def job_timeout(app: Flask | None = None) -> int:
    return int((app or current_app).config.get("SURVEY_JOB_TIMEOUT_SECONDS", 900))


def get_queue(app: Flask | None = None) -> Queue:
    """The app's RQ queue (one Redis client per app and URL)."""
    app = app or current_app._get_current_object()
    url = app.config["SURVEY_REDIS_URL"]
    clients = app.extensions.setdefault("survey_redis", {})
    if url not in clients:
        clients[url] = Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30)
    return Queue(app.config.get("SURVEY_QUEUE_NAME", "survey"), connection=clients[url],
                 serializer=JSONSerializer, job_class=TrustedJob, default_timeout=job_timeout(app))


def rq_job_id(task: str, object_id: int, app: Flask | None = None) -> str:
    """Stable, so the page can ask RQ about the job of a row; the queue name keeps two
    apps sharing one Redis apart."""
    app = app or current_app
    return f"{app.config.get('SURVEY_QUEUE_NAME', 'survey')}-{task}-{object_id}"


# -- handing work over ------------------------------------------------------------

def enqueue(task: str, object_id: int) -> None:
    """Run ``task`` on row ``object_id``: on the queue when Redis is configured, else now.

    Call it only once the row is committed. If Redis cannot be reached, the row is
    marked failed (the person sees why) rather than left waiting for nobody.
    """
    _check(task, object_id)
    app = current_app._get_current_object()
    if not queue_configured(app):
        perform(task, object_id)
        return
    try:
        get_queue(app).enqueue_call(PERFORM, args=(task, object_id),
                                    job_id=rq_job_id(task, object_id, app),
                                    timeout=job_timeout(app), result_ttl=KEEP_RQ_RECORDS,
                                    failure_ttl=KEEP_RQ_RECORDS)
    except RedisError as exc:
        log.error("could not queue %s %s: %s", task, object_id, exc)
        _mark_failed(app, task, object_id, QueueUnreachable("the job queue could not be reached"))


class QueueUnreachable(SurveyError):
    """Redis did not answer when a job was handed over."""


def enqueue_after_commit(task: str, object_id: int) -> None:
    """``enqueue`` once the current transaction commits; forget it if it rolls back."""
    _check(task, object_id)
    session = db.session()
    session.info.setdefault(_PENDING, []).append((task, object_id))
    if not event.contains(session, "after_commit", _send_pending):
        event.listen(session, "after_commit", _send_pending)
        event.listen(session, "after_transaction_end", _drop_pending)


def _send_pending(session: Session) -> None:
    for task, object_id in session.info.pop(_PENDING, []):
        enqueue(task, object_id)


def _drop_pending(session: Session, transaction: Any) -> None:
    # after_commit has already taken what a commit sends; whatever is left belonged to
    # a transaction that rolled back or was closed.
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


# -- running work -----------------------------------------------------------------

def perform(task: str, object_id: int) -> None:
    """Run one task on one row with its own app context and session; commit, or mark failed.

    This is the function RQ calls, and the one the request calls when there is no queue.
    """
    _check(task, object_id)
    run, failed = (_function(path) for path in TASKS[task])
    in_worker = get_current_job() is not None
    app = current_app._get_current_object() if has_app_context() else _app_for_worker()
    with app.app_context():
        try:
            run(object_id)
            db.session.commit()
        except Exception as exc:
            db.session.rollback()
            if isinstance(exc, SurveyError):
                log.info("%s %s stopped: %s", task, object_id, exc)
            else:
                log.exception("%s %s failed", task, object_id)
            failed(object_id, exc)
            db.session.commit()
            if in_worker:
                raise  # RQ lists the job as failed too
        finally:
            db.session.remove()


def _mark_failed(app: Flask, task: str, object_id: int, exc: Exception) -> None:
    _failed = _function(TASKS[task][1])
    with app.app_context():
        try:
            _failed(object_id, exc)
            db.session.commit()
        finally:
            db.session.remove()


def _app_for_worker() -> Flask:
    """A plain ``rq worker`` has no app context: make the app once per process."""
    global _worker_app
    if _worker_app is None:
        from . import create_app

        _worker_app = create_app()
    return _worker_app


# -- jobs that will never finish --------------------------------------------------

def lost_reason(task: str, object_id: int, since: dt.datetime,
                now: dt.datetime | None = None) -> str | None:
    """Why a job its row still calls queued or running cannot finish, or None while it can.

    ``since`` is when the row was made (naive UTC).
    """
    app = current_app._get_current_object()
    overdue = (now or utcnow()) - since > dt.timedelta(seconds=job_timeout(app)) + STALE_MARGIN
    gave_up = "it did not finish in time and was stopped; please try again"
    if not queue_configured(app):
        # It ran inside a request, which has ended if it is this old (e.g. a recycled worker).
        return gave_up if overdue else None
    try:
        queue = get_queue(app)
        queue.started_job_registry.cleanup()  # moves jobs of silent workers to failed
        status = Job.fetch(rq_job_id(task, object_id, app), connection=queue.connection,
                           serializer=JSONSerializer).get_status()
    except NoSuchJobError:
        return "the job queue no longer has this job; please try again"
    except RedisError:
        return gave_up if overdue else None  # cannot tell now; a later look will
    if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
        return "the background worker stopped before it finished; please try again"
    if status == JobStatus.FINISHED:
        return "the background worker ended without recording a result; please try again"
    # A started job is RQ's to end: its timeout, a killed work-horse and a silent worker
    # (the registry clean-up above) all turn it failed. A job nobody takes up is ours to end.
    if status != JobStatus.STARTED and overdue:
        return ("no background worker took it up in time (is `survey worker` running?); "
                "please try again")
    return None


# -- the worker -------------------------------------------------------------------

class TrustedJob(Job):
    """A job is run only if it is ``perform(<known task>, <row id>)``: nothing else is imported."""

    @property
    def func(self):  # type: ignore[override]
        args = self.args
        if self.func_name != PERFORM or self.kwargs or len(args) != 2:
            raise UntrustedJob(f"job {self.id} is not one this app enqueued")
        _check(*args)
        return perform


class SurveyWorker(Worker):
    """RQ's forking worker; each job's work-horse opens its own database connections."""

    def main_work_horse(self, job: Job, queue: Queue) -> None:
        # The forked horse must not share the parent's pooled connections.
        db.engine.dispose(close=False)
        super().main_work_horse(job, queue)


def make_worker(app: Flask | None = None, *, simple: bool = False,
                name: str | None = None) -> Worker:
    """A worker on the app's queue; ``simple`` runs jobs in this process (tests)."""
    queue = get_queue(app)
    for run, _failed in TASKS.values():  # import once here, not in every forked work-horse
        importlib.import_module(run.split(":")[0])
    worker_class = SimpleWorker if simple else SurveyWorker
    return worker_class([queue], connection=queue.connection, job_class=TrustedJob,
                        serializer=JSONSerializer, name=name)
