"""Does "forgot password" answer as fast for an unknown address as for an account's?

    .venv/bin/python benchmarks/forgot_password_timing.py [--rounds 200] [--smtp-delay-ms 20]

Serves the app over real HTTP (Werkzeug's server on a thread, SQLite in a temporary
folder) and times, from the client's side, the POST /forgot-password answers for an
address with an account and for one without, alternating them. It runs twice: with the
mail kept in the outbox only, and with a local SMTP server that takes ``--smtp-delay-ms``
for each command, as a remote one would. It prints the median and 90th percentile per
address and the ratio of the medians (1.00 = no difference); it asserts nothing.

The rate limits on reset requests are raised for the run, so every request does its work.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import os
import re
import socket
import socketserver
import statistics
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from flask_migrate import upgrade
from werkzeug.serving import make_server

from survey import create_app
from survey.extensions import db

KNOWN, UNKNOWN = "account", "no account"


class SlowSMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept a message, slowly."""

    delay = 0.02

    def reply(self, line: str) -> None:
        time.sleep(self.delay)
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 localhost ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 localhost")
            elif command.startswith("DATA"):
                self.reply("354 go on")
                while self.rfile.readline() not in (b".\r\n", b""):
                    pass
                self.reply("250 queued")
            elif command.startswith("QUIT"):
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _csrf(conn: http.client.HTTPConnection, cookies: dict[str, str]) -> str:
    conn.request("GET", "/forgot-password", headers=_cookie_header(cookies))
    reply = conn.getresponse()
    body = reply.read().decode()
    _keep_cookies(reply, cookies)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body) or re.search(
        r'name="csrf_token" value="([^"]+)"', body)
    assert match, "no CSRF token on the page"
    return match.group(1)


def _cookie_header(cookies: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}


def _keep_cookies(reply: http.client.HTTPResponse, cookies: dict[str, str]) -> None:
    for header in reply.headers.get_all("Set-Cookie") or []:
        name, _sep, rest = header.partition("=")
        cookies[name.strip()] = rest.split(";", 1)[0]


def _address(kind: str, i: int) -> str:
    # A different account each time: one account gets one link per two minutes at most.
    return f"known{i}@example.org" if kind == KNOWN else f"unknown{i}@example.org"


def measure(port: int, rounds: int, pause: float) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {KNOWN: [], UNKNOWN: []}
    cookies: dict[str, str] = {}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    token = _csrf(conn, cookies)
    for i in range(rounds * 2 + 20):
        kind = KNOWN if i % 2 == 0 else UNKNOWN
        body = urlencode({"email": _address(kind, i // 2), "csrf_token": token})
        headers = {"Content-Type": "application/x-www-form-urlencoded", **_cookie_header(cookies)}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        started = time.perf_counter()
        conn.request("POST", "/forgot-password", body=body, headers=headers)
        reply = conn.getresponse()
        reply.read()  # the whole answer, as a browser gets it
        elapsed = time.perf_counter() - started
        conn.close()
        assert reply.status == 302, reply.status
        if i >= 20:  # the first ones warm up caches
            times[kind].append(elapsed * 1000)
        # Let work done after an answer finish before the next request: this times one
        # answer, not a queue behind the previous one.
        time.sleep(pause)
    return times


def run(folder: Path, rounds: int, smtp_port: int | None) -> None:
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
              "SECRET_KEY": "benchmark", "SURVEY_RESET_MAX_PER_EMAIL": 10**6,
              "SURVEY_RESET_MAX_PER_ADDRESS": 10**6, "SURVEY_MAIL_USE_TLS": False,
              "SURVEY_MAIL_SERVER": "127.0.0.1" if smtp_port else None,
              "SURVEY_MAIL_PORT": smtp_port or 25}
    app = create_app(config)
    with app.app_context():
        upgrade()
        from survey.accounts.users import create_user
        from survey.members import seed_members

        seed_members()
        for i in range(rounds + 10):
            create_user(_address(KNOWN, i), "analyst")
        db.session.commit()
        db.session.remove()
    port = _free_port()
    server = make_server("127.0.0.1", port, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        times = measure(port, rounds, pause=0.05 + 12 * SlowSMTPHandler.delay)
    finally:
        server.shutdown()
        with app.app_context():
            db.engine.dispose()
    label = f"SMTP server answering in {SlowSMTPHandler.delay * 1000:.0f} ms" if smtp_port \
        else "outbox only, no mail server"
    print(f"\n{label} ({rounds} requests per address)")
    for kind in (KNOWN, UNKNOWN):
        values = sorted(times[kind])
        p90 = values[int(len(values) * 0.9) - 1]
        print(f"  {kind:<11} median {statistics.median(values):7.2f} ms   p90 {p90:7.2f} ms")
    ratio = statistics.median(times[KNOWN]) / statistics.median(times[UNKNOWN])
    print(f"  ratio of medians (account / no account): {ratio:.2f}")


def main() -> None:
    os.environ.setdefault("SURVEY_SECRET_KEY", "benchmark")  # no key file in the instance folder
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--smtp-delay-ms", type=float, default=20.0)
    args = parser.parse_args()
    SlowSMTPHandler.delay = args.smtp_delay_ms / 1000
    smtp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SlowSMTPHandler)
    smtp.daemon_threads = True
    threading.Thread(target=smtp.serve_forever, daemon=True).start()
    try:
        with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
            run(Path(first), args.rounds, None)
            run(Path(second), args.rounds, smtp.server_address[1])
    finally:
        smtp.shutdown()


if __name__ == "__main__":
    main()
