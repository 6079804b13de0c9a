"""What an export is built from: plain data handed over by the app (or a notebook).

Nothing here touches Flask or a database. ``answers`` is the tidy frame from
``survey.frames.answers_frame`` (one row per relevant answer); ``members`` lists
every member response of the round(s) in scope, whatever its status, so the
overview can say who is in and who is not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from questionnaires import Definition

from .words import N_, Words, same

# Status filters offered to analysts. "all" is every response someone has started:
# a member that has not begun has nothing to show beyond its status on the Overview.
STATUS_FILTERS: dict[str, tuple[str, ...] | None] = {
    "approved": ("approved",),
    "submitted": ("submitted", "approved"),
    "all": ("in_progress", "submitted", "returned", "approved"),
}
STATUS_FILTER_LABELS = {
    "approved": N_("Approved responses only (reviewed by the working group)"),
    "submitted": N_("Submitted and approved responses (includes UNREVIEWED submissions)"),
    "all": N_("All responses, including drafts (UNREVIEWED: not checked by the working group)"),
}
# English, as the exports' ``words`` translate them (the app has the same words for its pages).
STATUS_LABELS = {
    "not_started": N_("Not started"), "in_progress": N_("In progress"),
    "submitted": N_("Submitted"), "returned": N_("Returned"), "approved": N_("Approved"),
}
MEMBER_COLUMNS = ["round", "country", "iso3", "subregion", "status", "submitted_at",
                  "approved_at", "response_id"]

Progress = Callable[[int], None]
DEMO_NOTICE = N_("Demonstration data – not the answers of any member")


def is_unreviewed(status_filter: str) -> bool:
    return status_filter != "approved"


@dataclass(frozen=True)
class ExportMeta:
    """Who asked for what, and when; shown on the Overview sheet and in file properties."""

    rounds: tuple[str, ...]
    questionnaire: str
    generated_at: dt.datetime
    generated_by: str
    status_filter: str = "approved"
    subregion: str | None = None
    country: str | None = None
    previous_round: str | None = None
    language: str | None = None
    # Every language the codebook lists (questions and options), besides ``language``.
    languages: tuple[str, ...] = ()
    # Rounds holding demonstration data (the app's demo): every output made from them says
    # DEMO_NOTICE (on the Overview sheet, in each sheet's header, in a column of the data).
    demo_rounds: tuple[str, ...] = ()

    @property
    def demo(self) -> bool:
        return bool(self.demo_rounds)

    def __post_init__(self) -> None:
        if self.status_filter not in STATUS_FILTERS:
            raise ValueError(f"unknown status filter {self.status_filter!r}")

    @property
    def round_label(self) -> str:
        return ", ".join(self.rounds) if self.rounds else "(none)"


@dataclass
class ExportInput:
    """Everything one export needs. ``definitions`` maps round name to its questionnaire."""

    answers: pd.DataFrame
    members: pd.DataFrame
    definitions: Mapping[str, Definition]
    meta: ExportMeta
    previous_answers: pd.DataFrame | None = None
    previous_members: pd.DataFrame | None = None
    previous_definition: Definition | None = None
    # The questionnaire version the export's own version maps from (its ``previous``), for
    # the crosswalk sheet's labels; None leaves them blank.
    mapped_definition: Definition | None = None
    # What questionnaire conditions know of each member (``{member: ...}``), by ISO3 code:
    # sub-region, groups (ASEAN), territory. Without it member-only items are skipped.
    member_facts: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    # The export's own words (sheet names, headings, notes) in ``meta.language``: the
    # caller's translation (see :mod:`exports.words`); English by default.
    words: Words = same

    @property
    def definition(self) -> Definition:
        """The questionnaire that lays out the columns: the newest round's."""
        if self.meta.rounds and self.meta.rounds[-1] in self.definitions:
            return self.definitions[self.meta.rounds[-1]]
        return next(iter(self.definitions.values()))

    def member_of(self, response_id: int) -> Mapping[str, Any] | None:
        """The member attributes of the country that gave a response (this round's or the
        previous one's)."""
        if "iso3_of" not in self.extra:
            frames = [f for f in (self.members, self.previous_members) if f is not None]
            self.extra["iso3_of"] = {int(rid): iso for f in frames for rid, iso in
                                     zip(f["response_id"].tolist(), f["iso3"].tolist())}
        return self.member_facts.get(self.extra["iso3_of"].get(int(response_id)))

    def included_members(self) -> pd.DataFrame:
        """Members whose status passes the filter: the rows of the summary sheets."""
        allowed = STATUS_FILTERS[self.meta.status_filter]
        members = self.members
        if allowed is not None:
            members = members[members["status"].isin(allowed)]
        return members.reset_index(drop=True)
