"""Administrators and notifications: a round's reminder days and reminders sent now (after a
confirmation page, so it works without JavaScript), and reviewers assigned to members."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..members import all_countries
from ..models import Role, Round, RoundState, User
from ..notifications.reminders import schedule, send_reminders_now, set_reminder_days
from ..notifications.services import assign_countries, assigned_countries
from ..rounds import reminder_list
from ..rules import commit_or_explain
from .forms import ActionForm, ReminderDaysForm, ReviewerCountriesForm
from .routes import admin_only, bp


def reminder_context(round_: Round, form: ReminderDaysForm | None = None) -> dict:
    """What the round page shows about reminders (see admin/_round_reminders.html)."""
    if form is None:
        form = ReminderDaysForm(obj=round_)
    return {"reminder_form": form, "reminder_schedule": schedule(round_) if round_.closes_on else []}


@bp.post("/rounds/<int:round_id>/reminder-days")
@admin_only
def reminder_days(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    form = ReminderDaysForm()
    if form.validate_on_submit():
        with commit_or_explain(field=form.remind_before) as outcome:
            changed = set_reminder_days(round_, form.remind_before.data, form.remind_after.data,
                                        actor=current_user)
        if not outcome.broken:
            flash(_("Reminder days saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("admin.round_detail", round_id=round_id) + "#h-reminder-days")
    from .round_routes import detail_page

    return detail_page(round_, reminder_form=form, status=400)


def _waiting_people(round_: Round) -> tuple[int, int]:
    rows = reminder_list(round_)
    return len(rows), len({e for _c, _s, emails in rows for e in emails})


@bp.get("/rounds/<int:round_id>/send-reminders")
@admin_only
def confirm_reminders(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    members, people = _waiting_people(round_)
    return render_template("admin/confirm_reminders.html", round=round_, members=members,
                           people=people, form=ActionForm(),
                           open=round_.state is RoundState.OPEN)


@bp.post("/rounds/<int:round_id>/send-reminders")
@admin_only
def send_reminders(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    with commit_or_explain() as outcome:
        told = send_reminders_now(round_, current_user)
    if not outcome.broken:
        flash(ngettext("A reminder went to %(num)d focal point.",
                       "Reminders went to %(num)d focal points.", told) if told else
              _("Nobody was reminded: every focal point of a member that has not submitted "
                "was reminded today already, or none has an account."), "success")
    return redirect(url_for("admin.round_detail", round_id=round_id))


def _country_choices() -> list[SelectChoice]:
    return [SelectChoice(c.id, f"{c.name} ({c.iso3})") for c in all_countries()]


def reviewer_context(user: User, form: ReviewerCountriesForm | None = None) -> dict:
    """What the account page shows about a reviewer's members (admin/_reviewer_countries.html)."""
    if user.role is not Role.REVIEWER:
        return {"countries_form": None}
    if form is None:
        form = ReviewerCountriesForm(countries=sorted(assigned_countries(user)))
        form.countries.choices = _country_choices()
    return {"countries_form": form}


@bp.post("/users/<int:user_id>/countries")
@admin_only
def reviewer_countries(user_id: int):
    user = db.get_or_404(User, user_id)
    form = ReviewerCountriesForm()
    form.countries.choices = _country_choices()
    if user.role is not Role.REVIEWER:  # the page offers no such form for other roles
        flash(_("Only reviewers can be assigned to members; %(email)s is not a reviewer.",
                email=user.email), "error")
        return redirect(url_for("admin.user_detail", user_id=user_id))
    if form.validate_on_submit():
        with commit_or_explain(field=form.countries) as outcome:
            changed = assign_countries(user, form.countries.data or [], current_user)
        if not outcome.broken:
            flash(_("Assignment saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("admin.user_detail", user_id=user_id) + "#h-countries")
    from .user_routes import detail_page

    return detail_page(user, countries_form=form, status=400)
