"""What a reviewer, analyst or administrator should do next, from the home page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from ..extensions import db
from ..i18n import format_when, isolate
from ..models import ResponseStatus, Role, Round, RoundState, User
from ..rounds import status_counts


@dataclass(frozen=True)
class Step:
    text: str
    link_text: str
    url: str


def staff_next_steps(user: User, rounds: list[Round], today: dt.date | None = None) -> list[Step]:
    """The next steps of a staff member, most pressing first (empty when nothing waits)."""
    today = today or dt.date.today()
    steps: list[Step] = []
    open_rounds = [r for r in rounds if r.state is RoundState.OPEN]
    counts = status_counts([r.id for r in rounds])
    if user.role is Role.ADMIN:
        for round_ in db.session.scalars(select(Round).where(Round.state == RoundState.DRAFT)
                                         .order_by(Round.id)):
            steps.append(Step(_("The draft round “%(round)s” is not open yet.", round=isolate(round_.name)),
                              _("Check its dates and open it"),
                              url_for("admin.round_detail", round_id=round_.id)))
        for round_ in open_rounds:
            if round_.closes_on and round_.closes_on < today:
                steps.append(Step(
                    _("“%(round)s” passed its closing date (%(day)s) and is still open.",
                      round=isolate(round_.name), day=format_when(round_.closes_on)),
                    _("Close it, or move the date"),
                    url_for("admin.round_detail", round_id=round_.id)))
    if user.role in (Role.REVIEWER, Role.ADMIN):
        for round_ in open_rounds:
            waiting = counts[round_.id].get(ResponseStatus.SUBMITTED, 0)
            if waiting:
                steps.append(Step(
                    ngettext("%(num)d response waits for review in %(round)s.",
                             "%(num)d responses wait for review in %(round)s.", waiting,
                             round=isolate(round_.name)),
                    _("Review the submitted responses"),
                    url_for("review.tracker", round_id=round_.id,
                            status=ResponseStatus.SUBMITTED.value)))
    if user.role is Role.ANALYST:
        for round_ in rounds[:1]:
            approved = counts[round_.id].get(ResponseStatus.APPROVED, 0)
            steps.append(Step(
                ngettext("%(num)d response of %(round)s is approved.",
                         "%(num)d responses of %(round)s are approved.", approved,
                         round=isolate(round_.name)),
                _("Download the regional workbook"), url_for("downloads.index")))
    return steps
