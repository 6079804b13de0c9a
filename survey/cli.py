"""The ``survey`` command line: Flask's click group with the app's own verbs.

Each verb is a thin wrapper over the services the pages use. Errors are one line
on standard error and a non-zero exit status.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import func, select

from questionnaires import DefinitionError, definition_report, load_definition

from .extensions import db
from .models import Response
from .rules import SurveyError


def _create_app():
    from . import create_app

    return create_app()


def service_command(func: Callable) -> Callable:
    """Commit on success; turn rule violations into one clear line and exit status 1."""
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any):
        try:
            result = func(*args, **kwargs)
            db.session.commit()
            return result
        except SurveyError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc) + _option_hint(exc)) from None
    return wrapper


def _option_hint(exc: SurveyError) -> str:
    """" (--country ISO3)" when the broken rule is about an option of the running command."""
    context = click.get_current_context(silent=True)
    if context is None or not exc.field:
        return ""
    for param in context.command.params:
        if isinstance(param, click.Option) and param.name == exc.field:
            return f" ({param.opts[-1]}{' ' + param.metavar if param.metavar else ''})"
    return ""


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False,
             load_dotenv=False, set_debug_flag=False)
def cli() -> None:
    """Bali Process capability survey: database, members, users, rounds and questionnaires.

    Every command honours SURVEY_DATABASE_URL (default: SQLite in the instance folder).
    """


@cli.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create the schema, or migrate it to the newest revision (safe to repeat)."""
    from alembic.runtime.migration import MigrationContext
    from flask_migrate import upgrade

    def current() -> str | None:
        with db.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    before = current()
    upgrade()
    after = current()
    if before == after:
        click.echo(f"Database schema is up to date (revision {after}).")
    else:
        click.echo(f"Database schema migrated from {before or 'empty'} to revision {after}.")


@cli.command("seed")
@with_appcontext
@service_command
def seed() -> None:
    """Load the member states and territories and the bundled questionnaires (idempotent)."""
    from .members import seed_members
    from .questionnaire_versions import seed_bundled

    added, updated = seed_members()
    click.echo(f"Members: {added} added, {updated} updated.")
    from .questionnaire_translations import load_bundled
    from .questionnaire_versions import list_versions

    for version, created in seed_bundled():
        click.echo(f"Questionnaire {version.key}: {'stored' if created else 'already stored'}.")
    for key, language, added in load_bundled(list_versions()):
        click.echo(f"Translations of {key} into {language}: {added} draft text(s) added.")


@cli.command("seed-demo")
@with_appcontext
@service_command
def seed_demo() -> None:
    """Load a demo round with answers and one demo account per role; print the logins."""
    from .demo import CURRENT_ROUND
    from .demo import seed_demo as load

    logins = load()
    click.echo(f"Demo round '{CURRENT_ROUND}' is loaded. Demo logins (demo data only):")
    width = max(len(a.email) for a, _ in logins)
    for account, password in logins:
        where = f" ({account.country})" if account.country else ""
        click.echo(f"  {account.role.value:<12} {account.email:<{width}}  {password}{where}")


@cli.command("create-user")
@click.argument("email")
@click.option("--role", required=True, help="focal_point, reviewer, analyst or admin")
@click.option("--country", metavar="ISO3", help="ISO3 code; required for focal points")
@click.option("--name", help="Display name (default: the part before @)")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input")
@with_appcontext
@service_command
def create_user(email: str, role: str, country: str | None, name: str | None,
                password_stdin: bool) -> None:
    """Create an account. Without --password-stdin a strong password is printed once."""
    from .accounts.users import create_user as create
    from .accounts.users import generate_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        generated = False
    else:
        password, generated = generate_password(), True
    user = create(email, role, country=country, name=name, password=password)
    where = f" for {user.country.iso3}" if user.country else ""
    click.echo(f"Created {user.role.value} {user.email}{where}.")
    if generated:
        click.echo(f"Password (shown once): {password}")


@cli.command("open-round")
@click.argument("name")
@click.option("--questionnaire", "questionnaire", required=True, metavar="CODE[:VERSION]")
@click.option("--closes", metavar="YYYY-MM-DD", help="Closing date")
@with_appcontext
@service_command
def open_round(name: str, questionnaire: str, closes: str | None) -> None:
    """Open a survey round on a questionnaire version, with a response per member."""
    from .rounds import open_round as open_

    closes_on = None
    if closes:
        try:
            closes_on = dt.date.fromisoformat(closes)
        except ValueError:
            raise click.ClickException(f"--closes '{closes}' is not a date (YYYY-MM-DD)") from None
    new_round = open_(name, questionnaire, closes=closes_on)
    count = db.session.scalar(select(func.count(Response.id))
                              .where(Response.round_id == new_round.id))
    closing = f", closing {closes_on.isoformat()}" if closes_on else ""
    click.echo(f"Opened round '{new_round.name}' on {new_round.questionnaire.key}{closing}: "
               f"{count} member responses ready.")


@cli.command("send-reminders")
@click.option("--now", metavar="YYYY-MM-DDTHH:MM",
              help="Act as at this moment (UTC) instead of now, to check what would be sent")
@with_appcontext
@service_command
def send_reminders(now: str | None) -> None:
    """Send the reminders due today and the daily digests (safe to repeat: nothing is sent
    twice). Run it once a day from cron or a systemd timer; see the README."""
    from .notifications.reminders import send_due

    moment = None
    if now:
        try:
            moment = dt.datetime.fromisoformat(now)
        except ValueError:
            raise click.ClickException(f"--now '{now}' is not a date and time "
                                       "(YYYY-MM-DDTHH:MM)") from None
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    summary = send_due(moment)
    click.echo(f"Reminders: {summary.reminded} focal point(s) reminded. "
               f"Digests: {summary.digests} sent.")


@cli.group("questionnaire")
def questionnaire_group() -> None:
    """List stored questionnaire versions, or validate a definition file."""


@questionnaire_group.command("list")
@with_appcontext
def questionnaire_list() -> None:
    """Stored questionnaire versions and how many rounds use each."""
    from .questionnaire_versions import definition_of, list_versions, rounds_using

    versions = list_versions()
    if not versions:
        click.echo("No questionnaire is stored yet (run: survey seed).")
        return
    for v in versions:
        definition = definition_of(v)
        click.echo(f"{v.key:<22} {len(definition.questions):>3} questions  "
                   f"{rounds_using(v)} round(s)  {v.source:<8} {v.title}")


@questionnaire_group.command("validate")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--strict", is_flag=True, help="Refuse the file when the report lists anything")
def questionnaire_validate(file: str, strict: bool) -> None:
    """Check a definition file; list every problem by question id, then the report."""
    try:
        definition = load_definition(file)
    except DefinitionError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from None
    pillars = ", ".join(s.id for s in definition.pillars)
    report = definition_report(definition)
    for line in report:
        click.echo(f"{file}: report: {line}", err=strict)
    if strict and report:
        raise SystemExit(1)
    click.echo(f"{file}: valid — {definition.key}, {len(definition.questions)} questions, "
               f"pillars {pillars}, {len(definition.actions)} recommended actions.")


@questionnaire_group.command("export-xlsform")
@click.argument("key", metavar="CODE[:VERSION]")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@with_appcontext
@service_command
def questionnaire_export_xlsform(key: str, out: str) -> None:
    """Write a stored questionnaire version as an XLSForm (KoboToolbox, ODK Collect)."""
    from exports.xlsform import build_xlsform

    from .questionnaire_translations import in_every_language
    from .questionnaire_versions import find_version

    definition = in_every_language(find_version(key))
    with open(out, "wb") as handle:
        handle.write(build_xlsform(definition))
    click.echo(f"Wrote the XLSForm of {definition.key} to {out}.")


@questionnaire_group.command("import-xlsform")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--code", required=True, help="The questionnaire code of the definition")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
def questionnaire_import_xlsform(file: str, code: str, out: str) -> None:
    """Read an XLSForm workbook as a definition file (YAML); list every problem found."""
    from questionnaires.xlsform import XLSFormError, read_xlsform

    with open(file, "rb") as handle:
        data = handle.read(3 * 1024 * 1024)  # the reader refuses anything above its limit
    try:
        result = read_xlsform(data, code, source=file)
    except XLSFormError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from None
    with open(out, "w", encoding="utf-8") as handle:
        handle.write(result.yaml_text)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"Wrote {result.definition.key} ({len(result.definition.questions)} questions) to {out}.")


@cli.group("translations")
def translations_group() -> None:
    """Translations of a questionnaire version: a workbook or PO file, out and back."""


@translations_group.command("export")
@click.argument("key", metavar="CODE[:VERSION]")
@click.option("--lang", "language", required=True, help="The language to translate into")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="A .xlsx (translation workbook) or .po file")
@with_appcontext
@service_command
def translations_export(key: str, language: str, out: str) -> None:
    """Write the texts of a questionnaire version to translate (and their translations)."""
    from .questionnaire_translations import export_file
    from .questionnaire_versions import find_version

    kind = Path(out).suffix.lower().lstrip(".")
    if kind not in ("xlsx", "po"):
        raise SurveyError("--out must name a .xlsx or .po file")
    version = find_version(key)
    content, _, _ = export_file(version, language, kind)
    with open(out, "wb") as handle:
        handle.write(content)
    click.echo(f"Wrote the {language} texts of {version.key} to {out}.")


@translations_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--questionnaire", "key", metavar="CODE[:VERSION]",
              help="The version the file translates (a workbook names it itself)")
@click.option("--lang", "language", help="The language (a workbook or PO file names it itself)")
@with_appcontext
@service_command
def translations_import(file: str, key: str | None, language: str | None) -> None:
    """Read a translated workbook or PO file into the translation layer (as nobody:
    the audit trail records the command line). Refused rows are listed; if any row is
    refused nothing is saved."""
    from questionnaires.translations import split_key

    from .questionnaire_translations import MAX_TRANSLATION_UPLOAD, import_file, read_file
    from .questionnaire_versions import find_version

    with open(file, "rb") as handle:
        data = handle.read(MAX_TRANSLATION_UPLOAD + 1)
    if key is None:
        meta, _ = read_file(data, file)
        key = meta.get("questionnaire")
        if not key:
            raise SurveyError("the file does not name its questionnaire version: "
                              "give --questionnaire CODE:VERSION")
    version = find_version(key)
    language, comparison, applied = import_file(version, data, file, None, language)
    for kind, items in (("extra", comparison.extra), ("since changed", comparison.since_changed),
                        ("refused", comparison.refused)):
        for item in items:
            subject, field = split_key(item["key"])
            why = f": {item['why']}" if "why" in item else ""
            click.echo(f"{kind}: {subject} {field} ({item['where']}){why}", err=True)
    click.echo(f"{version.key} {language}: {len(comparison.changes)} text(s) changed, "
               f"{comparison.unchanged} unchanged, {len(comparison.missing)} missing.")
    if comparison.refused:
        raise SurveyError(f"{len(comparison.refused)} row(s) refused; nothing was saved")
    click.echo(f"Saved {applied} text(s).")


@cli.command("backup")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="The zip file to write")
@with_appcontext
@service_command
def backup(out: str) -> None:
    """Write a consistent backup of every table (a zip of JSON with a manifest)."""
    from .backup import write_backup

    manifest = write_backup(out)
    rows = sum(manifest["tables"].values())
    click.echo(f"Backup written to {out}: {len(manifest['tables'])} tables, {rows:,} rows, "
               f"schema revision {manifest['schema_revision']}.")


@cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
@service_command
def restore(file: str) -> None:
    """Restore a backup into an EMPTY database made with 'survey init-db'."""
    from .backup import restore_backup

    manifest = restore_backup(file)
    rows = sum(manifest["tables"].values())
    click.echo(f"Restored {rows:,} rows in {len(manifest['tables'])} tables from {file} "
               f"(taken {manifest['created_at']} on {manifest['database']}).")
@cli.command("profile")
@click.argument("iso3")
@click.option("--round", "round_name", required=True, help="Round name, e.g. '2026 capability survey'")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="HTML file to write")
@click.option("--language", default="en", show_default=True,
              help="Language of the profile (a code of SURVEY_LANGUAGES: en, fr, id, th, vi, zh_Hans, ar)")
@with_appcontext
@service_command
def profile(iso3: str, round_name: str, out: str, language: str) -> None:
    """Write a country's profile for a round as one self-contained HTML file (with the fonts
    of the scripts it shows)."""
    from flask import current_app

    from .members import country_by_iso3
    from .profile_pages.rendering import standalone_profile_html
    from .rounds import round_by_name

    if language not in current_app.config["SURVEY_LANGUAGES"]:
        raise click.BadParameter(f"'{language}' is not one of "
                                 f"{', '.join(current_app.config['SURVEY_LANGUAGES'])}",
                                 param_hint="--language")
    round_ = round_by_name(round_name)
    country = country_by_iso3(iso3)
    with current_app.test_request_context("/", headers={"Accept-Language": language.replace("_", "-")}):
        html = standalone_profile_html(round_, country)
    with open(out, "w", encoding="utf-8") as handle:
        handle.write(html)
    click.echo(f"Wrote the profile of {country.name} for '{round_.name}' to {out} "
               f"({len(html.encode()):,} bytes).")


@cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty (for cron-free checks and tests)")
@with_appcontext
def worker(burst: bool) -> None:
    """Run background jobs (exports, outgoing mail) from the Redis queue in SURVEY_REDIS_URL."""
    from flask import current_app

    from .jobs import make_worker, queue_configured

    if not queue_configured():
        raise click.ClickException(
            "SURVEY_REDIS_URL is not set: without Redis, exports and mail run within the "
            "request and no worker is needed")
    rq_worker = make_worker()
    click.echo(f"Working on queue '{current_app.config['SURVEY_QUEUE_NAME']}' "
               f"(jobs stop after {current_app.config['SURVEY_JOB_TIMEOUT_SECONDS']} s).")
    rq_worker.work(burst=burst)


def _register_subgroups() -> None:
    from .answering.cli import export_answers, import_group
    from .downloads.cli import export_group

    export_group.add_command(export_answers)
    cli.add_command(export_group)
    cli.add_command(import_group)


_register_subgroups()


def main() -> None:
    cli(prog_name="survey")

