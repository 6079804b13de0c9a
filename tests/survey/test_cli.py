"""Every verb of the `survey` command line, with its errors (one line, non-zero exit)."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from survey.accounts.users import verify_password
from survey.cli import cli
from survey.extensions import db
from survey.models import Country, QuestionnaireVersion, Response, Role, Round, RoundState, User
from tests.survey.test_migrations import head_revision

SURVEY = str(Path(sys.executable).parent / "survey")


def run(runner, *args, input=None):
    return runner.invoke(cli, list(args), input=input, catch_exceptions=False)


def one_line_error(result) -> str:
    assert result.exit_code != 0
    lines = [line for line in result.output.strip().splitlines() if line]
    assert len(lines) == 1, result.output
    return lines[0]


def test_help_lists_every_verb(runner):
    result = run(runner, "--help")
    for verb in ("init-db", "seed", "seed-demo", "create-user", "open-round", "questionnaire", "run"):
        assert verb in result.output


def test_seed_loads_45_members_and_the_questionnaire_idempotently(runner):
    first = run(runner, "seed")
    assert "Members: 45 added, 0 updated." in first.output
    # Both versions by default: v1 for the rounds that use it, v2 for new rounds.
    assert "Questionnaire ftm-capability:1: stored." in first.output
    assert "Questionnaire ftm-capability:2: stored." in first.output
    again = run(runner, "seed")
    assert "Members: 0 added, 0 updated." in again.output
    assert "already stored" in again.output
    assert db.session.scalar(select(func.count(Country.id))) == 45
    assert db.session.scalar(select(func.count(QuestionnaireVersion.id))) == 2
    subregions = set(db.session.scalars(select(Country.subregion)))
    assert subregions == {"South-East Asia", "East Asia", "South Asia", "Pacific", "Middle East",
                          "Americas"}


def test_seed_demo_prints_one_login_per_role_and_can_run_twice(runner):
    first = run(runner, "seed-demo")
    assert first.exit_code == 0
    for role in ("admin", "reviewer", "analyst", "focal_point"):
        assert role in first.output
    line = next(x for x in first.output.splitlines() if "reviewer@example.org" in x)
    password = line.split()[-1]
    reviewer = db.session.scalar(select(User).where(User.email == "reviewer@example.org"))
    assert verify_password(reviewer, password)
    second = run(runner, "seed-demo")
    assert second.output == first.output  # same logins, nothing duplicated
    assert db.session.scalar(select(func.count(Round.id))) == 2


def test_create_user_with_generated_password(seeded, runner):
    result = run(runner, "create-user", "Fp@Example.org", "--role", "focal_point", "--country",
                 "tha", "--name", "Focal Point")
    assert "Created focal_point fp@example.org for THA." in result.output
    password = result.output.split("Password (shown once): ")[1].strip()
    user = db.session.scalar(select(User).where(User.email == "fp@example.org"))
    assert user.role is Role.FOCAL_POINT and user.country.iso3 == "THA"
    assert user.display_name == "Focal Point"
    assert verify_password(user, password) and len(password) >= 16


def test_create_user_reads_password_from_stdin(seeded, runner):
    result = run(runner, "create-user", "an@example.org", "--role", "analyst", "--password-stdin",
                 input="a long enough secret\n")
    assert "Password" not in result.output
    user = db.session.scalar(select(User).where(User.email == "an@example.org"))
    assert verify_password(user, "a long enough secret")


@pytest.mark.parametrize("args, message", [
    (["x@example.org", "--role", "focal_point", "--country", "ZZZ"],
     "Error: unknown country code 'ZZZ'; valid codes: AFG, ARE, AUS"),
    # A rule about one option names it on the command line (pages name their field instead).
    (["x@example.org", "--role", "focal_point"],
     "Error: a focal point needs a country (--country ISO3)"),
    (["x@example.org", "--role", "chief"], "Error: unknown role 'chief'; roles: focal_point, "
                                           "reviewer, analyst, admin (--role)"),
    (["not-an-email", "--role", "admin"], "Error: 'not-an-email' is not a valid e-mail address"),
    (["x@example.org", "--role", "reviewer", "--country", "THA"],
     "Error: only focal points belong to a country"),
])
def test_create_user_errors(seeded, runner, args, message):
    assert one_line_error(run(runner, "create-user", *args)).startswith(message)
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_create_user_refuses_a_duplicate_email_and_a_short_password(seeded, runner):
    run(runner, "create-user", "dup@example.org", "--role", "admin")
    assert one_line_error(run(runner, "create-user", "DUP@example.org", "--role", "admin")) == (
        "Error: a user with the e-mail dup@example.org already exists")
    assert one_line_error(run(runner, "create-user", "short@example.org", "--role", "admin",
                              "--password-stdin", input="short\n")) == (
        "Error: the password must have at least 10 characters")


def test_open_round_creates_a_response_per_member(seeded, runner):
    result = run(runner, "open-round", "2027 round", "--questionnaire", "ftm-capability:1",
                 "--closes", "2099-03-31")
    assert result.output.strip() == ("Opened round '2027 round' on ftm-capability:1, closing "
                                     "2099-03-31: 45 member responses ready.")
    round_ = db.session.scalar(select(Round))
    assert round_.state is RoundState.OPEN and round_.closes_on.isoformat() == "2099-03-31"
    assert db.session.scalar(select(func.count(Response.id))) == 45


def test_open_round_takes_the_same_two_steps_as_the_pages(seeded, runner):
    """The command line creates the draft and opens it, as an administrator does: a draft
    waiting in preparation is never taken as the new round's previous round."""
    from survey.models import AuditEvent
    from survey.rounds import create_draft_round

    run(runner, "open-round", "2026 round", "--questionnaire", "ftm-capability")
    create_draft_round("2028 round (draft)", "ftm-capability", opens=dt.date(2099, 1, 1))
    db.session.commit()
    run(runner, "open-round", "2027 round", "--questionnaire", "ftm-capability")
    new = db.session.scalar(select(Round).where(Round.name == "2027 round"))
    assert new.previous_round.name == "2026 round"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.round_id == new.id)
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["round.create", "round.open"]


@pytest.mark.parametrize("args, message", [
    (["--questionnaire", "nope"], "Error: unknown questionnaire 'nope'; stored versions: "
                                  "ftm-capability:1"),
    (["--questionnaire", "ftm-capability:9"], "Error: unknown questionnaire 'ftm-capability:9'"),
    (["--questionnaire", "ftm-capability", "--closes", "31/03/2027"],
     "Error: --closes '31/03/2027' is not a date (YYYY-MM-DD)"),
    (["--questionnaire", "ftm-capability", "--closes", "2001-01-01"],
     "Error: the closing date 2001-01-01 is before the opening date"),
])
def test_open_round_errors(seeded, runner, args, message):
    assert one_line_error(run(runner, "open-round", "R", *args)).startswith(message)


def test_open_round_refuses_a_name_in_use(seeded, runner):
    run(runner, "open-round", "Same", "--questionnaire", "ftm-capability")
    assert one_line_error(run(runner, "open-round", "Same", "--questionnaire", "ftm-capability")) == (
        "Error: a round named 'Same' already exists; choose another name")


def test_questionnaire_list(runner):
    assert "No questionnaire is stored yet" in run(runner, "questionnaire", "list").output
    run(runner, "seed")
    output = run(runner, "questionnaire", "list").output
    assert "ftm-capability:1" in output and "0 round(s)" in output and "bundled" in output


def test_questionnaire_validate(runner, tmp_path):
    from questionnaires import bundled_definition_paths

    good = run(runner, "questionnaire", "validate", str(bundled_definition_paths()[0]))
    assert good.exit_code == 0 and "valid — ftm-capability:1" in good.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("code: bad\nversion: 1\ntitle: Bad\nsections:\n- id: legal\n  title: L\n"
                   "  questions:\n  - {id: q_one, type: slider, label: One}\n")
    result = run(runner, "questionnaire", "validate", str(bad))
    assert result.exit_code == 1
    assert "bad.yaml: 1 problem(s)" in result.output
    assert "question q_one: unknown type 'slider'" in result.output
    missing = run(runner, "questionnaire", "validate", str(tmp_path / "none.yaml"))
    assert missing.exit_code == 1 and "cannot read the file" in missing.output


def test_questionnaire_validate_reports_scored_counts_without_a_caseload(runner):
    from questionnaires import bundled_definition_paths

    v1, v2 = bundled_definition_paths(formats=(1, 2))
    lenient = run(runner, "questionnaire", "validate", str(v1))
    assert lenient.exit_code == 0
    assert ("report: question op_tip_fin_inv: a scored count with neither 'scored_when' nor "
            "'allow_not_applicable'") in lenient.output
    assert run(runner, "questionnaire", "validate", "--strict", str(v1)).exit_code == 1
    strict = run(runner, "questionnaire", "validate", "--strict", str(v2))
    assert strict.exit_code == 0 and "valid — ftm-capability:2, 106 questions" in strict.output


def test_the_installed_command_honours_the_database_url(tmp_path):
    env = {**os.environ, "SURVEY_DATABASE_URL": f"sqlite:///{tmp_path}/cli.sqlite3",
           "SURVEY_SECRET_KEY": "cli-test"}

    def survey(*args):
        return subprocess.run([SURVEY, *args], env=env, capture_output=True, text=True, timeout=120)

    first = survey("init-db")
    assert first.returncode == 0, first.stderr
    head = head_revision()
    assert f"migrated from empty to revision {head}" in first.stdout
    again = survey("init-db")
    assert f"up to date (revision {head})" in again.stdout
    assert survey("seed").returncode == 0
    assert (tmp_path / "cli.sqlite3").exists()
    error = survey("open-round", "R", "--questionnaire", "missing")
    assert error.returncode == 1
    assert error.stderr.strip().startswith("Error: unknown questionnaire 'missing'")
