"""``survey export answers`` and ``survey import answers``: the answer workbook from the
command line, through the same service as the pages (``answering.workbooks``)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from ..extensions import db
from ..models import User
from ..rules import SurveyError
from ..uploads import MAX_WORKBOOK_UPLOAD


@click.command("answers")
@click.argument("iso3")
@click.option("--round", "round_name", required=True, help="Round name")
@click.option("--section", "section_id", help="Only this section (its id)")
@click.option("--lang", "language", default="en", show_default=True,
              help="Language of the questions")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="FILE.xlsx")
@with_appcontext
def export_answers(iso3: str, round_name: str, section_id: str | None, language: str,
                   out: str) -> None:
    """A country's response as a workbook to fill in offline (answers prefilled)."""
    from .workbooks import answer_workbook, find_response

    if language not in current_app.config["SURVEY_LANGUAGES"]:
        raise click.ClickException(f"unknown language '{language}'; offered: "
                                   f"{', '.join(current_app.config['SURVEY_LANGUAGES'])}")
    target = Path(out)
    if target.parent and not target.parent.exists():
        raise click.ClickException(f"the folder {target.parent} does not exist")
    try:
        content, _name = answer_workbook(find_response(iso3, round_name), section_id=section_id,
                                         language=language)
    except SurveyError as exc:
        raise click.ClickException(str(exc)) from None
    target.write_bytes(content)
    click.echo(f"Wrote {target} ({len(content):,} bytes).")


@click.group("import")
def import_group() -> None:
    """Bring answers back into the survey from files."""


def _import_options(command):
    for option in reversed([
        click.option("--as", "email", required=True,
                     help="E-mail of the country's focal point the answers are saved as"),
        click.option("--dry-run", is_flag=True, help="Show the preview; save nothing"),
        click.option("--keep-mine", multiple=True, metavar="QUESTION_ID",
                     help="For a conflict: keep the file's answer (repeatable)"),
        click.option("--keep-theirs", multiple=True, metavar="QUESTION_ID",
                     help="For a conflict: keep the saved answer (repeatable)"),
        click.option("--pick", multiple=True, metavar="QUESTION_ID=N",
                     help="Where submissions disagree: keep answer N as the preview numbers "
                          "them, or 0 to keep the saved answer (repeatable)"),
        click.option("--confirm-warnings", is_flag=True,
                     help="Confirm every warning the preview lists")]):
        command = option(command)
    return command


@import_group.command("answers")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--country", "iso3", metavar="ISO3",
              help="For a KoboToolbox or ODK submission export: the country it is for")
@click.option("--round", "round_name", help="For a submission export: the round's name")
@_import_options
@with_appcontext
def import_answers(file: str, iso3: str | None, round_name: str | None, **options) -> None:
    """Upload a filled-in answer workbook, or a KoboToolbox or ODK submission export (CSV or
    XLSX, with --country and --round): preview every change, then apply them at once."""
    _import(file, iso3, round_name, **options)


@import_group.command("kobo")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--country", "iso3", required=True, metavar="ISO3", help="The country's ISO3 code")
@click.option("--round", "round_name", required=True, help="The round's name")
@_import_options
@with_appcontext
def import_kobo(file: str, iso3: str, round_name: str, **options) -> None:
    """Import a KoboToolbox or ODK submission export (CSV or XLSX) of the questionnaire's
    XLSForm into a country's response: the submissions (one per agency) merge question by
    question; preview every change, then apply them at once."""
    _import(file, iso3, round_name, **options)


def _import(file: str, iso3: str | None, round_name: str | None, *, email: str, dry_run: bool,
            keep_mine: tuple[str, ...], keep_theirs: tuple[str, ...], pick: tuple[str, ...],
            confirm_warnings: bool) -> None:
    from .workbooks import KEEP_SAVED, apply_upload, choose, find_response, preview, settle, upload_workbook

    path = Path(file)
    if path.suffix.lower() not in (".xlsx", ".csv"):
        raise click.ClickException(f"'{path.name}' is not a .xlsx or .csv file")
    if path.stat().st_size > MAX_WORKBOOK_UPLOAD:
        raise click.ClickException(f"the file is larger than the limit of "
                                   f"{MAX_WORKBOOK_UPLOAD // 1024:,} KB")
    if bool(iso3) != bool(round_name):
        raise click.ClickException("give both --country and --round, or neither")
    picks = []
    for item in pick:
        qid, _, n = item.partition("=")
        if not n.strip().isdigit():
            raise click.ClickException(f"--pick {item}: write QUESTION_ID=N (N from the preview, "
                                       "0 keeps the saved answer)")
        picks.append((qid.strip(), int(n) - 1 if int(n) else KEEP_SAVED))
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no account with the e-mail {email}")
    try:
        target = find_response(iso3, round_name) if iso3 else None
        upload = upload_workbook(user, path.name, path.read_bytes(), response=target)
        for choice, ids in (("mine", keep_mine), ("theirs", keep_theirs)):
            for qid in ids:
                settle(upload, qid, choice)
        for qid, n in picks:
            choose(upload, qid, n)
        view = preview(upload, user.language or "en")
        _show(view)
        if dry_run:
            db.session.rollback()
            click.echo("Dry run: nothing was saved.")
            return
        applied = apply_upload(upload, user, confirmed=[w.id for w in view.warnings]
                               if confirm_warnings else ())
        db.session.commit()
    except SurveyError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    click.echo(f"Saved {len(applied.changed)} answer(s) from {path.name}.")


def _show(view) -> None:
    d = view.definition
    click.echo(f"{view.response.country.name} ({view.response.country.iso3}), "
               f"{view.response.round.name}: {len(view.changes)} change(s), "
               f"{len(view.conflicts)} conflict(s), {len(view.disagreements)} disagreement(s), "
               f"{len(view.problems)} problem(s), "
               f"{view.unchanged} unchanged.")
    for c in view.changes:
        q = d.question(c.question_id)
        click.echo(f"  change {c.question_id} (sheet '{c.sheet}', row {c.row}): "
                   f"{q.display(c.old_value) or '-'} -> {q.display(c.new_value) or '(cleared)'}")
    for c in view.conflicts:
        q = d.question(c.question_id)
        state = {"mine": "keeping the workbook's", "theirs": "keeping the saved"}.get(
            c.choice, "unsettled: use --keep-mine or --keep-theirs")
        click.echo(f"  conflict {c.question_id} (sheet '{c.sheet}', row {c.row}): workbook "
                   f"{q.display(c.mine) or '(blank)'}, saved by {c.by} "
                   f"{q.display(c.theirs) or '(blank)'} [{state}]")
    for g in view.disagreements:
        q = d.question(g.question_id)
        state = ("keeping the saved answer" if g.choice == -1 else
                 f"keeping answer {g.choice + 1}" if g.choice is not None else
                 f"undecided: use --pick {g.question_id}=N")
        click.echo(f"  submissions disagree on {g.question_id} (saved: "
                   f"{q.display(g.saved) or '(blank)'}) [{state}]")
        for n, o in enumerate(g.offers, start=1):
            click.echo(f"    {n}. {q.display(o.value) or '(blank)'} -- row(s) "
                       f"{', '.join(map(str, o.rows))} ({'; '.join(o.labels)})")
    for p in view.problems:
        click.echo(f"  problem sheet '{p.sheet}', row {p.row}, {p.question_id or '-'}: "
                   f"{p.message}")
    for w in view.warnings:
        who = w.confirmed.confirmed_by.display_name if w.confirmed and \
            w.confirmed.confirmed_by else "someone"
        done = (f" (confirmed by {who} on "
                f"{w.confirmed.confirmed_at:%Y-%m-%d})" if w.confirmed else "")
        click.echo(f"  warning {', '.join(w.question_ids)}: {w.message}{done}")
