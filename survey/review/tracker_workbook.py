"""The round tracker as a spreadsheet: the tracker's rows as a frame, written by ``exports``.

In the page's language: the sheet, its title and headings and the statuses through
gettext (the column names below are the frame's keys, marked for the catalogue).
"""

from __future__ import annotations

import pandas as pd
from flask_babel import gettext

from exports import DEMO_NOTICE, Table, build_table_workbook
from exports.words import subregion_name

from ..i18n import N_, number_locale
from ..models import STATUS_LABELS
from .services import Tracker

HEADINGS = (N_("Member"), N_("ISO3"), N_("Sub-region"), N_("Status"), N_("Status code"),
            N_("Progress %"), N_("Questions answered"), N_("Last activity (UTC)"),
            N_("Focal points"), N_("Open comment threads"), N_("Days to closing"))


def tracker_frame(tracker: Tracker) -> pd.DataFrame:
    """One row per member response, as the tracker page lists them."""
    rows = [{
        "Member": row.country.name, "ISO3": row.country.iso3,
        "Sub-region": subregion_name(row.country.subregion, gettext),
        "Status": gettext(STATUS_LABELS[row.response.status]),
        "Status code": row.response.status.value, "Progress %": row.percent,
        "Questions answered": row.answered,
        "Last activity (UTC)": row.response.last_activity_at,
        "Focal points": "; ".join(f"{u.display_name} <{u.email}>" for u in row.focal_points),
        "Open comment threads": row.open_comments,
        "Days to closing": tracker.days_to_closing,
    } for row in tracker.rows]
    frame = pd.DataFrame(rows, columns=[
        "Member", "ISO3", "Sub-region", "Status", "Status code", "Progress %",
        "Questions answered", "Last activity (UTC)", "Focal points", "Open comment threads",
        "Days to closing"])
    frame["Last activity (UTC)"] = pd.to_datetime(frame["Last activity (UTC)"])
    for column in ("Progress %", "Questions answered", "Open comment threads", "Days to closing"):
        frame[column] = frame[column].astype("float64")
    return frame


def tracker_workbook(tracker: Tracker) -> bytes:
    table = Table("Tracker", tracker_frame(tracker),
                  formats={"Last activity (UTC)": "datetime"},
                  widths={"Member": 28, "Sub-region": 16, "Status": 16,
                          "Last activity (UTC)": 18, "Focal points": 50})
    return build_table_workbook(gettext("Tracker"), [table],
                                title=gettext("Round tracker: %(round)s", round=tracker.round.name),
                                freeze_columns=1, language=number_locale(), words=gettext,
                                notice=gettext(DEMO_NOTICE) if tracker.round.is_demo else None)
