"""Server time of every GET page, for each demo role, on the demo data.

    .venv/bin/python benchmarks/pages_bench.py [--repeat 7] [--only exports] [--role admin]
    .venv/bin/python benchmarks/pages_bench.py --database-url postgresql+psycopg://.../bench

Logs in as each demo role (administrator, reviewer, focal point, analyst, and a visitor
who is not logged in), finds every GET route in ``app.url_map``, fills its path parameters
from the demo data, and requests each page the role may open (status 200) ``--repeat``
times. Prints per page the median and 95th-percentile server time, the median CPU time
of this process per request, and the number of SQL statements, and flags pages above
150 ms. On a busy machine (other work on the same cores) wall time swells and CPU time
much less: compare before and after by CPU when the load average is high. Asserts
nothing: the goal (issue 15 §7: no page above 150 ms) is read from the table, never from
a timed test. "file" rows are downloads (workbooks, CSV), not pages.

Routes left out: static files, the API (token-authenticated: see its own tests), logging
out (it would end the session), and routes whose parameter is a one-time secret (links
sent by e-mail) which demo data cannot fill.
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
from survey.downloads.services import start_job
from survey.extensions import db
from survey.models import Country, ExportJob, OutboxMessage, Response, Round, User

GOAL_MS = 150
ROLES = {  # role label -> demo account (None: a visitor who is not logged in)
    "admin": "admin@example.org",
    "reviewer": "reviewer@example.org",
    "focal point": "focal.tha@example.org",
    "analyst": "analyst@example.org",
    "public": None,
}
SKIPPED_ENDPOINTS = {"static", "accounts.logout"}
SECRET_PARAMS = {"token"}  # one-time links sent by e-mail


def _first(query):
    return db.session.scalar(query.limit(1))


def path_values(role_user: User | None) -> dict[str, object]:
    """Demo values for path parameters, by name, as the role would meet them."""
    rnd = db.session.scalar(select(Round).where(Round.name == CURRENT_ROUND))
    iso3 = "THA"
    response = _first(select(Response).join(Country).where(
        Response.round_id == rnd.id, Country.iso3 == iso3))
    owner = role_user or db.session.scalar(select(User).where(User.email == "admin@example.org"))
    job = _first(select(ExportJob).where(ExportJob.user_id == owner.id))
    message = _first(select(OutboxMessage).order_by(OutboxMessage.id))
    target = db.session.scalar(select(User).where(User.email == "focal.phl@example.org"))
    values: dict[str, object] = {
        "round_id": rnd.id, "response_id": response.id, "iso3": iso3, "fmt": "xlsx",
        "user_id": target.id, "question_id": "leg_tip_offence", "section_id": "legal",
        "version_id": rnd.questionnaire_version_id, "code": rnd.questionnaire.code,
        "version": rnd.questionnaire.version,
        "job_id": job.id if job else None, "message_id": message.id if message else None,
    }
    return {name: value for name, value in values.items() if value is not None}


def discover(app, values: dict[str, object]) -> tuple[list[tuple[str, str]], list[str]]:
    """(endpoint, URL) of every GET route whose parameters the demo fills; the rest, named."""
    pages, unfilled = [], []
    with app.test_request_context():
        from flask import url_for

        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.endpoint in SKIPPED_ENDPOINTS:
                continue
            if rule.rule.startswith("/api/") or rule.endpoint.startswith("api."):
                continue
            params = set(rule.arguments) - set(rule.defaults or {})
            if params & SECRET_PARAMS:
                unfilled.append(f"{rule.rule} (a one-time secret)")
                continue
            if not params <= set(values):
                unfilled.append(f"{rule.rule} (needs {', '.join(sorted(params - set(values)))})")
                continue
            pages.append((rule.endpoint, url_for(rule.endpoint, **{p: values[p] for p in params})))
    return pages, unfilled


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--only", default="", help="only URLs containing this text")
    parser.add_argument("--role", choices=sorted(ROLES), action="append",
                        help="only this role (repeatable)")
    parser.add_argument("--database-url", help="an empty database (default: SQLite in a temp folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark",
                          "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
        with app.app_context():
            upgrade()
            seed_demo()
            db.session.commit()
            rnd = db.session.scalar(select(Round).where(Round.name == CURRENT_ROUND))
            for email in ("admin@example.org", "analyst@example.org", "reviewer@example.org"):
                staff = db.session.scalar(select(User).where(User.email == email))
                for fmt in ("xlsx", "csv"):  # a few finished-looking jobs on the downloads page
                    start_job(staff, {"kind": "regional", "round": rnd.id, "subregion": None,
                                      "status": "approved", "format": fmt, "language": "en"})
            db.session.commit()

        statements: list[str] = []
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute",
                         lambda *a: statements.append(a[2]))

        print(f"{'role':<12} {'kind':<4} {'page':<58} {'median':>8} {'p95':>8} {'CPU':>8} {'SQL':>4}")
        slow = []
        for role in args.role or list(ROLES):
            client = app.test_client()
            with app.app_context():
                user = None
                if ROLES[role] is not None:
                    user = db.session.scalar(select(User).where(User.email == ROLES[role]))
                    key = start_session(user)
                    db.session.commit()
                    with client.session_transaction() as session:
                        session["_user_id"] = user.get_id()
                        session[SESSION_KEY] = key
                        session["_fresh"] = True
                pages, unfilled = discover(app, path_values(user))
                db.session.remove()
            refused = []
            for _endpoint, page in pages:
                if args.only and args.only not in page:
                    continue
                times, cpu, counts, status = [], [], [], None
                for _ in range(args.repeat):
                    statements.clear()
                    start, start_cpu = time.perf_counter(), time.process_time()
                    reply = client.get(page)
                    reply.get_data()  # a streamed body (CSV) is made while it is read
                    times.append(1000 * (time.perf_counter() - start))
                    cpu.append(1000 * (time.process_time() - start_cpu))
                    reply.close()
                    counts.append(len(statements))
                    status = reply.status_code
                    if status != 200:
                        break
                if status != 200:
                    refused.append(f"{page} ({status})")
                    continue
                median, p95 = statistics.median(times), _percentile(times, 0.95)
                kind = "page" if reply.mimetype in ("text/html", "application/json") else "file"
                flag = f"  > {GOAL_MS} ms" if median > GOAL_MS or p95 > GOAL_MS else ""
                if flag:
                    slow.append((role, kind, page, median, p95))
                print(f"{role:<12} {kind:<4} {page:<58} {median:6.1f}ms {p95:6.1f}ms "
                      f"{statistics.median(cpu):6.1f}ms {max(counts):4d}{flag}", flush=True)
            print(f"{role:<12} -- not a page for this role: {len(refused)} "
                  f"(302/403/404/405); no demo value for: {len(unfilled)}")
        print()
        if slow:
            print(f"Above {GOAL_MS} ms (median or p95; 'file': a download, not a page):")
            for role, kind, page, median, p95 in slow:
                print(f"  {role:<12} {kind:<4} {page:<58} median {median:.0f} ms, p95 {p95:.0f} ms")
        else:
            print(f"No page above {GOAL_MS} ms.")
        if unfilled:
            print("Routes without a demo value for their parameters:")
            for item in unfilled:
                print(f"  {item}")


if __name__ == "__main__":
    main()
