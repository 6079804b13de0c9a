"""Accounts: invite, change role and country, reset password, deactivate, reactivate; outbox."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..accounts.api_tokens import active_tokens
from ..accounts.invitations import account_link, invite_user, request_password_reset, send_invitation
from ..accounts.users import change_role, deactivate, pending_invitation_users, reactivate, users_list
from ..confirmation import Confirmation, confirmed
from ..extensions import db
from ..members import all_countries
from ..models import User
from ..rules import SurveyError, commit_or_explain
from .forms import ActionForm, InviteForm, RoleForm
from .notice_routes import reviewer_context
from .routes import admin_only, bp

PER_PAGE = 50


def _country_choices() -> list[SelectChoice]:
    return [SelectChoice("", _("— none —"))] + [SelectChoice(c.iso3, f"{c.name} ({c.iso3})")
                                                 for c in all_countries()]


def _user_or_404(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    return user


def _users_page(form: InviteForm, status: int = 200):
    return render_template("admin/users.html", users=users_list(), form=form,
                           pending=pending_invitation_users()), status


@bp.get("/users")
@admin_only
def users():
    form = InviteForm()
    form.country.choices = _country_choices()
    return _users_page(form)


@bp.post("/users")
@admin_only
def invite():
    form = InviteForm()
    form.country.choices = _country_choices()
    if form.validate_on_submit():
        with commit_or_explain(field=form.email, form=form) as outcome:
            user = invite_user(form.email.data, form.role.data, country=form.country.data or None,
                               name=form.name.data, actor=current_user, link_for=account_link)
        if not outcome.broken:
            flash(_("Invitation sent to %(email)s. The link works once, for 7 days.",
                    email=user.email), "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return _users_page(form, status=400)


@bp.get("/users/<int:user_id>")
@admin_only
def user_detail(user_id: int):
    user = _user_or_404(user_id)
    form = RoleForm(role=user.role.value, country=user.country.iso3 if user.country else "")
    form.country.choices = _country_choices()
    return _detail(user, form)


def _detail(user: User, form: RoleForm, status: int = 200, countries_form=None):
    return render_template("admin/user.html", user=user, form=form, action_form=ActionForm(),
                           pending=user.password_hash is None,
                           **reviewer_context(user, countries_form)), status


def detail_page(user: User, *, countries_form=None, status: int = 200):
    form = RoleForm(role=user.role.value, country=user.country.iso3 if user.country else "")
    form.country.choices = _country_choices()
    return _detail(user, form, status, countries_form)


@bp.post("/users/<int:user_id>/role")
@admin_only
def user_role(user_id: int):
    user = _user_or_404(user_id)
    form = RoleForm()
    form.country.choices = _country_choices()
    if form.validate_on_submit():
        with commit_or_explain(field=form.role, form=form) as outcome:
            changed = change_role(user, form.role.data, form.country.data or None, current_user)
        if not outcome.broken:
            flash(_("Role saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("admin.user_detail", user_id=user_id))
    return _detail(user, form, status=400)


@bp.post("/users/<int:user_id>/<any(deactivate, reactivate, invite, reset):action>")
@admin_only
def user_action(user_id: int, action: str):
    user = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if action == "deactivate" and user.active and user.id != current_user.id and not confirmed():
        return _confirm_deactivation(user)
    with commit_or_explain() as outcome:
        if action == "deactivate":
            deactivate(user, current_user)
            message = _("%(email)s is deactivated; any open session has ended.", email=user.email)
        elif action == "reactivate":
            reactivate(user, current_user)
            message = _("%(email)s can log in again.", email=user.email)
        elif action == "invite":
            send_invitation(user, current_user, account_link)
            message = _("A new invitation went to %(email)s; earlier links no longer work.",
                        email=user.email)
        else:
            if not user.active:
                raise SurveyError("reactivate the account before sending a password reset")
            request_password_reset(user.email, account_link)
            message = _("A password reset link went to %(email)s.", email=user.email)
    if not outcome.broken:
        flash(message, "success")
    return redirect(url_for("admin.user_detail", user_id=user_id))


def _confirm_deactivation(user: User):
    tokens = len(active_tokens(user))
    consequences = [
        _("%(email)s can no longer log in; a browser where they are logged in is logged out "
          "at its next page.", email=user.email),
        _("Their answers, comments and the audit trail stay as they are."),
        _("You can reactivate the account later; they log in with the same password."),
    ]
    if tokens:
        consequences.insert(1, ngettext(
            "Their %(num)d API token is revoked for good (reactivating does not revive it).",
            "Their %(num)d API tokens are revoked for good (reactivating does not revive them).",
            tokens))
    return Confirmation(
        title=_("Deactivate %(email)s?", email=user.email), button=_("Yes, deactivate"),
        action=url_for("admin.user_action", user_id=user.id, action="deactivate"),
        cancel=url_for("admin.user_detail", user_id=user.id),
        consequences=consequences, danger=True).render()
