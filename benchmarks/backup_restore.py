"""How long `survey backup` and `survey restore` take on the demo database.

    .venv/bin/python benchmarks/backup_restore.py [--postgres URL]

Prints rows, archive size and seconds for backup and restore (SQLite, and
SQLite -> PostgreSQL when a server URL is given; a scratch database is made there).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from survey import create_app
from survey.backup import restore_backup, write_backup
from survey.demo import seed_demo
from survey.extensions import db


def migrated_app(url: str):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark"})
    with app.app_context():
        upgrade()
    return app


def timed(label: str, func, *args):
    start = time.perf_counter()
    result = func(*args)
    print(f"{label:<34} {time.perf_counter() - start:7.3f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", help="a PostgreSQL server URL to restore into as well")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = f"sqlite:///{Path(tmp) / 'source.sqlite3'}"
        app = migrated_app(source)
        with app.app_context():
            seed_demo()
            db.session.commit()
            archive = Path(tmp) / "backup.zip"
            manifest = timed("backup (SQLite)", write_backup, archive)
        rows = sum(manifest["tables"].values())
        print(f"{'rows':<34} {rows:7,d}\n{'archive size':<34} {archive.stat().st_size / 1024:7.0f} KiB")
        target = f"sqlite:///{Path(tmp) / 'target.sqlite3'}"
        with migrated_app(target).app_context():
            timed("restore SQLite -> SQLite", restore_backup, archive)
        if args.postgres:
            server = sa.make_url(args.postgres)
            name = f"survey_bench_{uuid.uuid4().hex[:8]}"
            admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            url = server.set(database=name).render_as_string(hide_password=False)
            try:
                with migrated_app(url).app_context():
                    timed("restore SQLite -> PostgreSQL", restore_backup, archive)
                    timed("backup (PostgreSQL)", write_backup, Path(tmp) / "pg.zip")
                    db.engine.dispose()
            finally:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()


if __name__ == "__main__":
    main()
