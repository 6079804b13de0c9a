"""Member states and territories, loaded from the bundled list (idempotent)."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import select

from .extensions import db
from .models import Country
from .rules import NotFound

MEMBERS_FILE = Path(__file__).resolve().parent / "data" / "members.yaml"


def load_members() -> list[dict]:
    return yaml.safe_load(MEMBERS_FILE.read_text(encoding="utf-8"))


def seed_members() -> tuple[int, int]:
    """Insert missing members and update changed names or sub-regions: (added, updated)."""
    existing = {c.iso3: c for c in db.session.scalars(select(Country))}
    added = updated = 0
    for row in load_members():
        country = existing.get(row["iso3"])
        if country is None:
            db.session.add(Country(iso3=row["iso3"], name=row["name"],
                                   subregion=row["subregion"], apg_member=row["apg"]))
            added += 1
        elif (country.name, country.subregion, country.apg_member) != (
                row["name"], row["subregion"], row["apg"]):
            country.name, country.subregion, country.apg_member = (
                row["name"], row["subregion"], row["apg"])
            updated += 1
    db.session.flush()
    return added, updated


def country_by_iso3(iso3: str) -> Country:
    code = (iso3 or "").strip().upper()
    country = db.session.scalar(select(Country).where(Country.iso3 == code))
    if country is None:
        valid = db.session.scalars(select(Country.iso3).order_by(Country.iso3)).all()
        listing = ", ".join(valid) if valid else "none loaded yet (run: survey seed)"
        raise NotFound(f"unknown country code '{iso3}'; valid codes: {listing}",
                       field="country")
    return country


def all_countries() -> list[Country]:
    return list(db.session.scalars(select(Country).order_by(Country.subregion, Country.name)))
