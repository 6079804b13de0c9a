"""Load test: 20 focal points answering at once, against gunicorn and PostgreSQL.

    .venv/bin/python benchmarks/load_focal.py [--postgres URL] [--seconds 60] [--workers 4]

Creates its own PostgreSQL database (dropped at the end), migrates it, loads the demo
data and 20 more focal points (one per member country), starts gunicorn on 127.0.0.1
and drives 20 logged-in clients (one thread each, an httpx session per client):

1. at people's pace: open a section page, then save one answer in the background
   (the page's autosave request), about one second between actions;
2. without pauses: the same actions back to back, for the most requests per second.

Each client also asks for ``/healthz`` at the same pace: the cheapest request the app
serves, through the same gunicorn, database pool and machine. Prints p50/p95/p99 latency
and throughput per action, and each action's p50 and p95 as a ratio to ``/healthz``'s:
machines here differ by a factor of three from day to day, so the ratio is the figure to
improve. Goals on the 2-core machine: p95 <= 50 ms for a section page, <= 30 ms for an
answer save.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "benchmark password 1"
# One question per section to save, with a value maker.
SAVES = {
    "institutions": ("inst_contact", lambda r: f"Desk officer {r.randint(1, 999)}"),
    "legal": ("leg_me_year", lambda r: str(r.randint(2005, 2024))),
    "operational": ("op_value_frozen", lambda r: str(r.randint(0, 10_000_000))),
    "cooperation": ("coop_treaties", lambda r: str(r.randint(0, 60))),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_database(server_url: str) -> tuple[str, str]:
    name = f"survey_bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, name: str) -> None:
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = :n"), {"n": name})
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def seed(env: dict[str, str], clients: int) -> list[tuple[str, int]]:
    """Migrate, load the demo and one focal point per country; (email, response id) each."""
    survey = str(Path(sys.executable).parent / "survey")
    subprocess.run([survey, "init-db"], env=env, check=True, capture_output=True)
    subprocess.run([survey, "seed-demo"], env=env, check=True, capture_output=True)
    code = f"""
import json
from sqlalchemy import select
from survey import create_app
from survey.extensions import db
from survey.models import Country, Response, Round
from survey.accounts.users import create_user
app = create_app()
with app.app_context():
    current = db.session.scalar(select(Round).where(Round.name == "2026 capability survey"))
    rows = db.session.execute(select(Country.iso3, Response.id).join(
        Response, Response.country_id == Country.id).where(Response.round_id == current.id)
        .where(Response.status.in_(["not_started", "in_progress"])).order_by(Country.iso3)).all()
    out = []
    for iso3, rid in rows[:{clients}]:
        email = f"bench.{{iso3.lower()}}@example.org"
        create_user(email, "focal_point", country=iso3, password={PASSWORD!r})
        out.append((email, rid))
    db.session.commit()
    print(json.dumps(out))
"""
    result = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                            capture_output=True, text=True)
    import json

    return [tuple(x) for x in json.loads(result.stdout.strip().splitlines()[-1])]


class Client(threading.Thread):
    def __init__(self, base: str, email: str, response_id: int, stop: threading.Event,
                 pause: float, timings: dict[str, list[float]], lock: threading.Lock, seed: int):
        super().__init__(daemon=True)
        self.http = httpx.Client(base_url=base, timeout=30, follow_redirects=False)
        self.email, self.response_id = email, response_id
        self.stop, self.pause = stop, pause
        self.timings, self.lock = timings, lock
        self.random = random.Random(seed)
        self.errors = 0

    def log_in(self) -> None:
        page = self.http.get("/login").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        reply = self.http.post("/login", data={"csrf_token": token, "email": self.email,
                                               "password": PASSWORD})
        assert reply.status_code == 302, reply.status_code

    def timed(self, action: str, call):
        start = time.perf_counter()
        reply = call()
        elapsed = time.perf_counter() - start
        with self.lock:
            self.timings[action].append(elapsed)
        return reply

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.act()
            except httpx.HTTPError:
                self.errors += 1

    def act(self) -> None:
        if True:
            section = self.random.choice(list(SAVES))
            url = f"/responses/{self.response_id}/sections/{section}"
            page = self.timed("section page", lambda u=url: self.http.get(u))
            if page.status_code != 200:
                self.errors += 1
                return
            html = page.text
            token = re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"',
                              html).group(1)
            qid, make = SAVES[section]
            version = re.search(rf'name="{qid}__version" value="(\d+)"', html).group(1)
            self.sleep()
            data = {qid: make(self.random), f"{qid}__version": version}
            reply = self.timed("answer save", lambda d=data, t=token, q=qid: self.http.post(
                f"/responses/{self.response_id}/answers/{q}", data=d,
                headers={"X-CSRFToken": t, "Accept": "application/json"}))
            if reply.status_code != 200:
                self.errors += 1
            self.sleep()
            # The yardstick: the app's cheapest page, driven the same way in the same run.
            # Machines here differ by a factor of three from day to day; the ratio does not.
            probe = self.timed("healthz", lambda: self.http.get("/healthz"))
            if probe.status_code != 200:
                self.errors += 1
            self.sleep()

    def sleep(self) -> None:
        if self.pause:
            self.stop.wait(self.random.uniform(0.8 * self.pause, 1.2 * self.pause))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
    return ordered[index]


def drive(base: str, users: list[tuple[str, int]], seconds: float, pause: float, title: str) -> None:
    timings: dict[str, list[float]] = defaultdict(list)
    lock = threading.Lock()
    stop = threading.Event()
    clients = [Client(base, email, rid, stop, pause, timings, lock, seed=i)
               for i, (email, rid) in enumerate(users)]
    for c in clients:
        c.log_in()
    start = time.perf_counter()
    for c in clients:
        c.start()
    time.sleep(seconds)
    stop.set()
    for c in clients:
        c.join(timeout=30)
    elapsed = time.perf_counter() - start
    total = sum(len(v) for v in timings.values())
    print(f"\n== {title}: {len(clients)} clients, {elapsed:.1f} s, "
          f"errors {sum(c.errors for c in clients)}")
    print(f"{'action':<14}{'count':>7}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
          f"{'max ms':>9}{'p50/hz':>8}{'p95/hz':>8}")
    probe = timings.get("healthz") or [float("nan")]
    probe50, probe95 = statistics.median(probe), percentile(probe, 95)
    for action, values in sorted(timings.items()):
        p50, p95 = statistics.median(values), percentile(values, 95)
        print(f"{action:<14}{len(values):>7}{len(values) / elapsed:>8.1f}"
              f"{1000 * p50:>9.1f}{1000 * p95:>9.1f}"
              f"{1000 * percentile(values, 99):>9.1f}{1000 * max(values):>9.1f}"
              f"{p50 / probe50:>8.2f}{p95 / probe95:>8.2f}")
    print(f"{'all':<14}{total:>7}{total / elapsed:>8.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--postgres", default=os.environ.get(
        "SURVEY_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--flat-out-seconds", type=float, default=20)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--threads", type=int, default=1, help="threads per worker (1: sync workers)")
    args = ap.parse_args()

    name, url = create_database(args.postgres)
    env = {**os.environ, "SURVEY_DATABASE_URL": url, "SURVEY_SECRET_KEY": secrets.token_hex(16),
           "SURVEY_ENV": "production", "SURVEY_SECURE_COOKIES": "0"}
    server = None
    try:
        print(f"database {name}: migrating and seeding ...", flush=True)
        users = seed(env, args.clients)
        port = free_port()
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        server = subprocess.Popen(
            [gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
             "--worker-class", "gthread" if args.threads > 1 else "sync",
             "--threads", str(args.threads), "--log-level", "warning",
             "survey:create_app()"], env=env, cwd=ROOT)
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        print(f"gunicorn on {base}: {args.workers} workers x {args.threads} thread(s); "
              f"{len(users)} focal points", flush=True)
        drive(base, users, 5, 0, "warm-up (not counted)")
        drive(base, users, args.seconds, 1.0, "people's pace (about 1 s between actions)")
        drive(base, users, args.flat_out_seconds, 0, "flat out (no pauses)")
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        drop_database(args.postgres, name)


if __name__ == "__main__":
    main()
