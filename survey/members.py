"""Member states and territories, loaded from the bundled list (idempotent)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from .extensions import db
from .models import Country
from .rules import NotFound

MEMBERS_FILE = Path(__file__).resolve().parent / "data" / "members.yaml"


def load_members() -> list[dict]:
    return yaml.safe_load(MEMBERS_FILE.read_text(encoding="utf-8"))


# The codes questionnaire conditions compare (``{member: subregion, in: [...]}``), by the
# sub-region names people read.
SUBREGION_CODES = {
    "South-East Asia": "south_east_asia", "East Asia": "east_asia", "South Asia": "south_asia",
    "Pacific": "pacific", "Middle East": "middle_east", "Americas": "americas",
}


@lru_cache(maxsize=1)
def _listed() -> dict[str, dict]:
    return {row["iso3"]: row for row in load_members()}


def member_attributes(country: Country) -> dict[str, Any]:
    """What questionnaire conditions know of a member: the one place the app builds it.

    ``iso3``, ``subregion`` (a code), ``groups`` (e.g. ``["asean"]``), ``territory`` and
    ``apg``, from the country's row and the bundled members file. A country the file does
    not list belongs to no group and is not a territory.
    """
    row = _listed().get(country.iso3, {})
    return {"iso3": country.iso3, "subregion": SUBREGION_CODES.get(country.subregion),
            "groups": list(row.get("groups") or []), "territory": bool(row.get("territory")),
            "apg": bool(country.apg_member)}


def members_by_iso3() -> dict[str, dict[str, Any]]:
    """``member_attributes`` of every member, by ISO3 code (one query): what scoring,
    profiles and exports need so that member-only items (ACTIP for ASEAN members, the
    ARIN-AP actions for members in Asia and the Pacific) work over a whole round."""
    return {c.iso3: member_attributes(c) for c in db.session.scalars(select(Country))}


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
