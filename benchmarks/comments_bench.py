"""Pages that show comments, with 10,000 comments planted on one response.

    .venv/bin/python benchmarks/comments_bench.py [--repeat 3] [--database-url URL]

Plants 10,000 comments on the demo's returned response (the Philippines): 4,000 on the
whole submission, 3,000 spread over the questions, 2,000 replies in one long thread and
1,000 replies spread over 100 threads. Then prints, for the review page (a reviewer), the
comments page (a reviewer) and a section page (the country's focal point): the median
server time, the peak Python memory of one request (tracemalloc), the number of SQL
statements and the size of the page. Asserts nothing.

Without ``--database-url`` it runs on a temporary SQLite file; with a PostgreSQL URL it
creates and drops a database of its own on that server.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy import event, insert, select

from survey import create_app
from survey.accounts.sessions import SESSION_KEY, start_session
from survey.demo import CURRENT_ROUND, seed_demo
from survey.extensions import db
from survey.models import Country, Response, ReviewComment, Round, User
from survey.questionnaire_versions import definition_of

COMMENTS = 10_000


def plant(response: Response, reviewer: User, focal: User) -> int:
    """10,000 comments on one response, written in bulk (oldest first, one second apart)."""
    questions = [q.id for q in definition_of(response.round.questionnaire).questions]
    start = dt.datetime(2026, 1, 1)
    clock = iter(range(10**6))

    def row(question_id, parent_id=None, author=reviewer):
        return {"response_id": response.id, "question_id": question_id, "parent_id": parent_id,
                "author_id": author.id, "created_at": start + dt.timedelta(seconds=next(clock)),
                "body": f"Comment {next(clock)}: please check the figure and cite the source."}

    table = ReviewComment.__table__
    db.session.execute(insert(table), [row(None) for _ in range(4000)])
    db.session.execute(insert(table), [row(questions[i % len(questions)]) for i in range(3000)])
    roots = db.session.scalars(select(ReviewComment.id).where(
        ReviewComment.response_id == response.id, ReviewComment.parent_id.is_(None))
        .order_by(ReviewComment.id)).all()
    long_thread = roots[-1]
    db.session.execute(insert(table), [row(None, long_thread, focal if i % 2 else reviewer)
                                       for i in range(2000)])
    spread = roots[:100]
    db.session.execute(insert(table), [row(None, spread[i % 100], focal) for i in range(1000)])
    db.session.commit()
    return db.session.scalar(select(sa.func.count(ReviewComment.id))
                             .where(ReviewComment.response_id == response.id))


def measure(app, pages: dict[str, tuple[str, str]], repeat: int) -> None:
    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda *args: statements.append(args[2]))
    clients = {}
    for label, (user_id, url) in pages.items():
        client = clients.get(user_id)
        if client is None:
            client = clients[user_id] = app.test_client()
            with app.app_context():  # a server-side session, as the login form makes
                session_key = start_session(db.session.get(User, int(user_id.split(":")[0])))
                db.session.commit()
                db.session.remove()
            with client.session_transaction() as session:
                session["_user_id"] = user_id
                session[SESSION_KEY] = session_key
                session["_fresh"] = True
        client.get(url)  # warm up: templates compiled, definition parsed
        times = []
        for _ in range(repeat):
            statements.clear()
            begin = time.perf_counter()
            reply = client.get(url)
            times.append(time.perf_counter() - begin)
            assert reply.status_code == 200, (url, reply.status_code)
        count = len(statements)
        tracemalloc.start()
        client.get(url)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"{label:<40} {1000 * statistics.median(times):8.1f} ms  "
              f"peak {peak / 2**20:6.1f} MB  {count:3d} SQL statements  "
              f"{len(reply.data):>11,} bytes")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", help="a PostgreSQL server URL (a database of our "
                        "own is created on it and dropped afterwards)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        admin_engine = name = None
        if args.database_url:
            server = sa.make_url(args.database_url)
            admin_engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
            name = f"survey_bench_{uuid.uuid4().hex[:8]}"
            with admin_engine.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            url = server.set(database=name).render_as_string(hide_password=False)
        else:
            url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        try:
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark",
                              "WTF_CSRF_ENABLED": False})
            with app.app_context():
                upgrade()
                seed_demo()
                db.session.commit()
                rnd = db.session.scalar(select(Round).where(Round.name == CURRENT_ROUND))
                phl = db.session.scalar(select(Response).join(Country).where(
                    Response.round_id == rnd.id, Country.iso3 == "PHL"))
                reviewer = db.session.scalar(select(User).where(User.email == "reviewer@example.org"))
                focal = db.session.scalar(select(User).where(User.email == "focal.phl@example.org"))
                total = plant(phl, reviewer, focal)
                section = definition_of(rnd.questionnaire).sections[1].id
                pages = {
                    "review page (reviewer)": (reviewer.get_id(), f"/responses/{phl.id}/review"),
                    "comments page (reviewer)": (reviewer.get_id(), f"/responses/{phl.id}/comments"),
                    f"section page '{section}' (focal point)":
                        (focal.get_id(), f"/responses/{phl.id}/sections/{section}"),
                }
                backend = db.engine.dialect.name
                db.session.remove()
            print(f"{total:,} comments on one response ({COMMENTS:,} planted), {backend}, "
                  f"median of {args.repeat}")
            measure(app, pages, args.repeat)
            with app.app_context():
                db.engine.dispose()
        finally:
            if admin_engine is not None:
                with admin_engine.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin_engine.dispose()


if __name__ == "__main__":
    main()
