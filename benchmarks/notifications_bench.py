"""How long telling everyone takes at the real size and above: opening a round, a reminder
run, the same run again (nothing to send), and a digest run.

    .venv/bin/python benchmarks/notifications_bench.py [--focal-per-member N] [--postgres URL]

Every member gets N focal points (default 3: 135 people for 45 members). Prints seconds and
messages for each step, on SQLite (and on a scratch PostgreSQL database when a URL is given).
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy import func, select

from survey import create_app
from survey.accounts.users import create_user
from survey.extensions import db
from survey.members import all_countries, seed_members
from survey.models import Delivery, NotificationKind, NotificationPreference, OutboxMessage, User
from survey.notifications.reminders import send_digests, send_due
from survey.questionnaire_versions import seed_bundled
from survey.rounds import open_round


def outbox() -> int:
    return db.session.scalar(select(func.count(OutboxMessage.id)))


def step(label: str, func) -> None:
    before = outbox()
    start = time.perf_counter()
    func()
    db.session.commit()
    print(f"  {label:<38} {time.perf_counter() - start:7.3f} s  {outbox() - before:5d} e-mails")


def run(url: str, per_member: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark",
                      "SURVEY_BASE_URL": "https://survey.example.org",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade()
        seed_members()
        seed_bundled()
        admin = create_user("admin@example.org", "admin", country=None, password="x" * 16)
        for country in all_countries():
            for n in range(per_member):
                create_user(f"fp{n}.{country.iso3.lower()}@example.org", "focal_point",
                            country=country.iso3, password="x" * 16)
        db.session.commit()
        people = db.session.scalar(select(func.count(User.id))) - 1
        print(f"{db.engine.dialect.name}: {people} focal points")
        today = dt.date(2027, 1, 10)
        step("open a round (everyone told)", lambda: open_round(
            "Bench round", "ftm-capability", opens=today, closes=today + dt.timedelta(days=60),
            actor=admin, today=today))
        morning = dt.datetime.combine(today + dt.timedelta(days=46), dt.time(7))  # 14 days before
        step("reminder run (14 days before)", lambda: send_due(morning))
        step("the same run again (nothing due)", lambda: send_due(morning))
        db.session.add_all(NotificationPreference(user_id=u, kind=NotificationKind.REMINDER,
                                                  delivery=Delivery.DIGEST)
                           for u in db.session.scalars(select(User.id).where(User.id != admin.id)))
        db.session.commit()
        later = morning + dt.timedelta(days=7)
        step("reminder run into digests (7 before)", lambda: send_due(later))
        step("digests again the same day", lambda: send_digests(later))
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--focal-per-member", type=int, default=3)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a scratch database is made)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", args.focal_per_member)
    if args.postgres:
        server = sa.make_url(args.postgres)
        name = f"survey_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            run(server.set(database=name).render_as_string(hide_password=False),
                args.focal_per_member)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
