"""The demo round's regional export: built within the request vs through the Redis queue.

    .venv/bin/python benchmarks/export_queue.py [--redis redis://127.0.0.1:6379/14] [--runs 5]
                                                [--postgres URL]

Loads the demo data into a scratch database (SQLite, or a scratch database on the given
PostgreSQL server), then times, for each path, the request's share (record the job, commit,
hand it over) and the time until the file is ready, polling its row every 25 ms (the page
polls every 800 ms):

* inline: no SURVEY_REDIS_URL; the request builds the file before it answers;
* queue:  SURVEY_REDIS_URL set; a `survey worker` (started once, already waiting) builds it.

Prints the median and best of each, and the ratios queue / inline. Only keys of its own
queue name are touched on Redis, and deleted at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade
from redis import Redis
from sqlalchemy import select

from survey import create_app, jobs
from survey.demo import CURRENT_ROUND, seed_demo
from survey.downloads.services import start_job
from survey.extensions import db
from survey.models import ExportJob, Round, User

SURVEY = str(Path(sys.executable).with_name("survey"))


def prepare(url: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark"})
    with app.app_context():
        upgrade()
        seed_demo()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def one_export(app, user_id: int, round_id: int) -> tuple[float, float, int]:
    """(request seconds, seconds until ready, file bytes) for one regional workbook."""
    start = time.perf_counter()
    with app.test_request_context("/exports/", method="POST"):
        job = start_job(db.session.get(User, user_id),
                        {"kind": "regional", "round": round_id, "subregion": None,
                         "status": "all", "format": "xlsx"})
        db.session.commit()
        job_id = job.id
        jobs.enqueue("export", job_id)
        request = time.perf_counter() - start
        db.session.remove()
    while True:
        with app.app_context():
            state, content = db.session.execute(
                select(ExportJob.state, ExportJob.content).where(ExportJob.id == job_id)).one()
            db.session.remove()
        if state == "done":
            return request, time.perf_counter() - start, len(content)
        if state == "failed":
            raise SystemExit(f"export {job_id} failed")
        time.sleep(0.025)  # a page polls every 800 ms; polling hard would slow the worker down


def measure(app, label: str, runs: int) -> tuple[float, float]:
    with app.app_context():
        user_id = db.session.scalar(select(User.id).order_by(User.id))
        round_id = db.session.scalar(select(Round.id).where(Round.name == CURRENT_ROUND))
        db.session.remove()
    one_export(app, user_id, round_id)  # warm up: imports, caches, the worker's first fork
    results = [one_export(app, user_id, round_id) for _ in range(runs)]
    requests = [r for r, _t, _b in results]
    ready = [t for _r, t, _b in results]
    print(f"{label:<7} request median {statistics.median(requests) * 1000:8.1f} ms "
          f"(best {min(requests) * 1000:7.1f})   ready median {statistics.median(ready) * 1000:8.1f} ms "
          f"(best {min(ready) * 1000:7.1f})   {results[0][2] / 1024:,.0f} KiB")
    return statistics.median(requests), statistics.median(ready)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a scratch database is made)")
    args = parser.parse_args()
    queue_name = f"survey-bench-{uuid.uuid4().hex[:8]}"
    redis = Redis.from_url(args.redis)
    redis.ping()
    admin = server = name = None
    with tempfile.TemporaryDirectory() as tmp:
        if args.postgres:
            server = sa.make_url(args.postgres)
            name = f"survey_bench_{uuid.uuid4().hex[:8]}"
            admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            url = server.set(database=name).render_as_string(hide_password=False)
        else:
            url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        worker = None
        try:
            prepare(url)
            print(f"database: {sa.make_url(url).get_backend_name()}, demo round '{CURRENT_ROUND}', "
                  f"{args.runs} runs after one warm-up")
            base = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark"}
            inline = measure(create_app({**base, "SURVEY_REDIS_URL": None}), "inline", args.runs)
            env = {**os.environ, "SURVEY_DATABASE_URL": url, "SURVEY_SECRET_KEY": "benchmark",
                   "SURVEY_REDIS_URL": args.redis, "SURVEY_QUEUE_NAME": queue_name}
            worker = subprocess.Popen([SURVEY, "worker"], env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
            queued = measure(create_app({**base, "SURVEY_REDIS_URL": args.redis,
                                         "SURVEY_QUEUE_NAME": queue_name}), "queue", args.runs)
            print(f"ratio queue/inline: request {queued[0] / inline[0]:.3f}, "
                  f"ready {queued[1] / inline[1]:.2f}")
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=30)
            for key in redis.scan_iter(match=f"*{queue_name}*", count=500):
                redis.delete(key)
            redis.srem("rq:queues", f"rq:queue:{queue_name}")
            if admin is not None:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()


if __name__ == "__main__":
    main()
