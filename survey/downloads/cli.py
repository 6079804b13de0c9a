"""``survey export ...``: regional and country workbooks and tidy CSV from the command line."""

from __future__ import annotations

import getpass
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..rules import SurveyError


@click.group("export")
def export_group() -> None:
    """Download regional workbooks, country workbooks and tidy data to files."""


def _write(params: dict, out: str) -> None:
    from .services import build_export

    target = Path(out)
    if target.parent and not target.parent.exists():
        raise click.ClickException(f"the folder {target.parent} does not exist")
    try:
        result = build_export(params, f"{getpass.getuser()} (command line)")
    except SurveyError as exc:
        raise click.ClickException(str(exc)) from None
    target.write_bytes(result.content)
    click.echo(f"Wrote {target} ({len(result.content):,} bytes).")


@export_group.command("regional")
@click.option("--round", "round_name", required=True, help="Round name")
@click.option("--subregion", help="Only this sub-region")
@click.option("--status", default="approved", show_default=True,
              help="approved, submitted (submitted and approved) or all (unreviewed too)")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="FILE.xlsx")
@click.option("--format", "fmt", default=None,
              help="xlsx (default), zip (one CSV per sheet), csv or csv-bom")
@with_appcontext
def export_regional(round_name: str, subregion: str | None, status: str, out: str,
                    fmt: str | None) -> None:
    """The regional workbook of a round (Overview, Scores, pillars, Counts, Changes, Data, Codebook)."""
    if fmt is None:
        fmt = "zip" if out.lower().endswith(".zip") else "xlsx"
    _write({"kind": "regional", "round": round_name, "subregion": subregion, "status": status,
            "format": fmt}, out)


@export_group.command("country")
@click.argument("iso3")
@click.option("--round", "round_name", required=True, help="Round name")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="FILE.xlsx")
@with_appcontext
def export_country(iso3: str, round_name: str, out: str) -> None:
    """One country's answers with evidence, its scores and the codebook."""
    _write({"kind": "country", "round": round_name, "country": iso3, "format": "xlsx"}, out)


@export_group.command("data")
@click.option("--round", "round_name", required=True, help="Round name")
@click.option("--subregion", help="Only this sub-region")
@click.option("--status", default="approved", show_default=True,
              help="approved, submitted or all")
@click.option("--bom", is_flag=True, help="Start with a byte-order mark so Excel reads UTF-8")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="FILE.csv")
@with_appcontext
def export_data(round_name: str, subregion: str | None, status: str, bom: bool, out: str) -> None:
    """The tidy long table (one row per answer) as UTF-8 CSV."""
    _write({"kind": "regional", "round": round_name, "subregion": subregion, "status": status,
            "format": "csv-bom" if bom else "csv"}, out)
