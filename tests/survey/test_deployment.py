"""The production setup for real: gunicorn with several workers, PostgreSQL, logging in over HTTP."""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def production_database(postgres_server):
    """An empty database of our own (no schema): `survey init-db` must create it."""
    name = postgres_server.create()
    yield postgres_server.url_of(name)
    postgres_server.drop(name)


def test_gunicorn_serves_the_app_on_postgresql_and_people_can_log_in(production_database, tmp_path):
    env = {**os.environ, "SURVEY_ENV": "production", "SURVEY_DATABASE_URL": production_database,
           "SURVEY_SECRET_KEY": uuid.uuid4().hex * 2,
           "SURVEY_SECURE_COOKIES": "0"}  # plain HTTP on loopback in this test; HTTPS in production
    env.pop("FLASK_DEBUG", None)

    def survey(*args, stdin=None):
        done = subprocess.run([str(BIN / "survey"), *args], env=env, input=stdin, text=True,
                              capture_output=True, timeout=120, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "migrated from empty" in survey("init-db")
    survey("seed")
    survey("create-user", "chair@example.org", "--role", "admin", "--name", "WG chair",
           "--password-stdin", stdin="a long admin pass phrase\n")
    port = _free_port()
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - closed in finally
    command = [str(BIN / "gunicorn"), "--workers", "3", "--bind", f"127.0.0.1:{port}"]
    if "--no-control-socket" in subprocess.run([str(BIN / "gunicorn"), "--help"], text=True,
                                               capture_output=True).stdout:
        command.append("--no-control-socket")  # parallel runs must not share one (gunicorn 27+)
    process = subprocess.Popen([*command, "survey:create_app()"], env=env, cwd=tmp_path,
                               stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
                    assert b'"database":"reachable"' in response.read().replace(b" ", b"")
                    break
            except OSError:  # refused, reset or timed out while the workers boot
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("gunicorn did not answer /healthz: "
                                + (tmp_path / "gunicorn.log").read_text())
                time.sleep(0.2)

        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with opener.open(f"{base}/login", timeout=10) as response:
            form = response.read().decode()
            assert response.headers["X-Frame-Options"] == "DENY"
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
        data = urllib.parse.urlencode({"csrf_token": token, "email": "chair@example.org",
                                       "password": "a long admin pass phrase"}).encode()
        with opener.open(f"{base}/login", data=data, timeout=10) as response:
            page = response.read().decode()
            assert response.url == f"{base}/"
        assert "WG chair" in page and "Survey rounds" in page
        # Several workers share the session: every request lands on one of them.
        for _ in range(6):
            with opener.open(f"{base}/admin/rounds", timeout=10) as response:
                assert "New round" in response.read().decode()
        # Without the session, the same page sends you to log in.
        with urllib.request.urlopen(f"{base}/admin/rounds", timeout=10) as response:
            assert "/login" in response.url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
