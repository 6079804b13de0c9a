"""Response times of the review and profile pages on the demo data (SQLite in a temp folder).

    .venv/bin/python benchmarks/review_pages_bench.py [--repeat 5]

Prints the median time per page and the number of SQL statements; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import event, select

from survey import create_app
from survey.accounts.sessions import SESSION_KEY, start_session
from survey.demo import CURRENT_ROUND, seed_demo
from survey.extensions import db
from survey.models import Country, Response, Round, User


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'bench.sqlite3'}",
                          "SECRET_KEY": "benchmark", "WTF_CSRF_ENABLED": False})
        with app.app_context():
            upgrade()
            seed_demo()
            db.session.commit()
            rnd = db.session.scalar(select(Round).where(Round.name == CURRENT_ROUND))
            idn = db.session.scalar(select(Response).join(Country).where(
                Response.round_id == rnd.id, Country.iso3 == "IDN"))
            reviewer = db.session.scalar(select(User).where(User.email == "reviewer@example.org"))
            pages = {
                "round tracker (45 members)": f"/rounds/{rnd.id}/tracker",
                "tracker spreadsheet": f"/rounds/{rnd.id}/tracker.xlsx",
                "submission review (69 questions)": f"/responses/{idn.id}/review",
                "country profile": f"/rounds/{rnd.id}/profiles/MYS",
                "regional heat map": f"/rounds/{rnd.id}/overview",
            }
            user_id = reviewer.get_id()
            session_key = start_session(reviewer)
            db.session.commit()
            db.session.remove()
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = user_id
            session[SESSION_KEY] = session_key
            session["_fresh"] = True
        statements: list[int] = []
        with app.app_context():
            engine = db.engine

        def count(*_):
            statements.append(1)

        event.listen(engine, "before_cursor_execute", count)
        for label, url in pages.items():
            times = []
            for _ in range(args.repeat):
                statements.clear()
                start = time.perf_counter()
                reply = client.get(url)
                times.append(time.perf_counter() - start)
                assert reply.status_code == 200, (url, reply.status_code)
            print(f"{label:<34} {1000 * statistics.median(times):7.1f} ms  "
                  f"{len(statements):3d} SQL statements  {len(reply.data):>9,} bytes")


if __name__ == "__main__":
    main()
