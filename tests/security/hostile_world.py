"""The world the hostile corpus runs in: who plays each role, and how to fill every URL.

The demo data gives the accounts and responses. Country A is Thailand (a response in
progress), country B the Philippines (a response returned to the country, so its focal
point may comment). A few things the demo lacks are added: API tokens, a pending
invitation, a password reset link, an outbox message, an export job, comments on both
countries' responses, and a public profile.

Everything that decides *what* is exercised lives here as small tables keyed by endpoint
or parameter name, so that a new route fails loudly (``missing_builders``) until someone
says how to fill it, rather than being skipped in silence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import select
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter, IntegerConverter

from survey.extensions import db
from survey.models import Country, Response, ResponseStatus, Round, User

ROLES = ("anonymous", "focal_a", "focal_b", "reviewer", "analyst", "admin")
STAFF = ("reviewer", "analyst", "admin")
REVIEWERS = ("reviewer", "admin")
LOGGED_IN = ROLES[1:]
COUNTRY_A, COUNTRY_B = "THA", "PHL"
EMAILS = {"focal_a": "focal.tha@example.org", "focal_b": "focal.phl@example.org",
          "reviewer": "reviewer@example.org", "analyst": "analyst@example.org",
          "admin": "admin@example.org"}
# Administrators act on this account, never on one of the role players.
VICTIM = "focal2.tha@example.org"
ROLE_COUNTRY = {"focal_a": COUNTRY_A, "focal_b": COUNTRY_B}
# One question of each awkward type: choices, a count, a structured value, free text.
QUESTION_TYPES = ("multiple_choice", "integer", "legal_reference", "yes_no_partial", "long_text")


@dataclass
class World:
    user_ids: dict[str, int]
    victim_id: int
    current_round: int
    previous_round: int
    responses: dict[str, int]  # ISO3 -> response id in the current round
    response_country: dict[int, str]
    response_status: dict[int, ResponseStatus]
    sections: list[str]
    questions: list[str]
    comments: dict[str, int]  # ISO3 -> a root comment on that country's current response
    comment_response: dict[int, int]
    api_tokens: dict[str, str]  # role -> raw token
    token_ids: dict[str, int]  # role (and "victim") -> token id
    invite_token: str
    reset_token: str
    outbox_id: int
    version_id: int
    job_id: int
    upload_id: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def country_of_response(self, response_id: Any) -> str | None:
        return self.response_country.get(response_id)


def build_world() -> World:
    """Add what the demo lacks and describe the result (inside an app context)."""
    from survey.accounts.api_tokens import create_token
    from survey.accounts.invitations import invite_user, request_password_reset
    from survey.demo import CURRENT_ROUND, PREVIOUS_ROUND
    from survey.downloads.services import start_job
    from survey.models import OutboxMessage, QuestionnaireVersion
    from survey.questionnaire_versions import definition_of
    from survey.review.services import add_comment

    users = {role: db.session.scalar(select(User).where(User.email == email))
             for role, email in EMAILS.items()}
    victim = db.session.scalar(select(User).where(User.email == VICTIM))
    current = db.session.scalar(select(Round).where(Round.name == CURRENT_ROUND))
    previous = db.session.scalar(select(Round).where(Round.name == PREVIOUS_ROUND))
    rows = db.session.execute(select(Response, Country.iso3).join(Country)
                              .where(Response.round_id == current.id)).all()
    responses = {iso3: r for r, iso3 in rows}
    definition = definition_of(current.questionnaire)

    links: dict[str, str] = {}

    def capture(purpose: str, raw: str) -> str:
        links[purpose] = raw
        return f"http://localhost/{purpose}/{raw}"

    tokens, token_ids = {}, {}
    for role, user in users.items():
        token, raw = create_token(user, f"security suite ({role})")
        tokens[role], token_ids[role] = raw, token.id
    victim_token, _raw = create_token(victim, "victim's laptop")
    token_ids["victim"] = victim_token.id
    invite_user("invitee@example.org", "analyst", country=None, name="Invited analyst",
                actor=users["admin"], link_for=capture)
    request_password_reset(VICTIM, capture)
    db.session.commit()
    comments = {}
    for iso3 in (COUNTRY_A, COUNTRY_B):
        # Committed one by one: the comment limit counts on a connection of its own.
        root = add_comment(responses[iso3], users["reviewer"], "Please cite the law.",
                           question_id=definition.questions[4].id)
        db.session.commit()
        add_comment(responses[iso3], users["reviewer"], "And the year it came in.",
                    parent_id=root.id)
        db.session.commit()
        comments[iso3] = root.id
    responses["AUS"].publishable = True  # an approved profile on the public list
    from survey.notifications.links import preference_token
    from survey.notifications.services import assign_countries

    # A reviewer assigned to a member, and a link from an e-mail (the victim's own).
    assign_countries(users["reviewer"], [responses[COUNTRY_A].country_id], users["admin"])
    links["preferences"] = preference_token(victim.id)
    job = start_job(users["analyst"], {"kind": "regional", "round": current.id, "subregion": None,
                                       "status": "approved", "format": "csv"})
    db.session.commit()
    by_type: dict[str, str] = {}
    for q in definition.questions:
        by_type.setdefault(q.type, q.id)
    # An uploaded answer workbook of A's focal point, waiting in its preview.
    from survey.answering.workbooks import answer_workbook, upload_workbook

    content, name = answer_workbook(responses[COUNTRY_A])
    kept = upload_workbook(users["focal_a"], name, content, response=responses[COUNTRY_A])
    # A translation file of the administrator's, waiting in its preview.
    from survey.questionnaire_translations import export_file, stage_upload

    version = current.questionnaire
    po, po_name, _ = export_file(version, "fr", "po")
    translation = stage_upload(version, po, po_name, users["admin"], language="fr")
    db.session.commit()
    return World(
        user_ids={role: user.id for role, user in users.items()}, victim_id=victim.id,
        current_round=current.id, previous_round=previous.id,
        responses={iso3: r.id for iso3, r in responses.items()},
        response_country={r.id: iso3 for iso3, r in responses.items()},
        response_status={r.id: r.status for r in responses.values()},
        sections=[s.id for s in definition.sections],
        questions=[by_type[t] for t in QUESTION_TYPES],
        comments=comments, comment_response={cid: responses[iso3].id
                                             for iso3, cid in comments.items()},
        api_tokens=tokens, token_ids=token_ids, invite_token=links["invite"],
        reset_token=links["reset"], extra={"preference_token": links["preferences"],
                                             "translation_upload": translation.id},
        outbox_id=db.session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id)),
        version_id=db.session.scalar(select(QuestionnaireVersion.id)), job_id=job.id,
        upload_id=kept.id)


# -- how to fill URL parameters ---------------------------------------------------------
# Each builder gives the candidate values for a role; the runner rotates through them so
# every candidate is used at least once. Endpoint-specific entries win over names.

Builder = Callable[[World, str], list[Any]]

PARAMETERS: dict[str, Builder] = {
    # A's response (cross-country for B), B's own (returned), one submitted, one approved.
    "response_id": lambda w, role: [w.responses[COUNTRY_A], w.responses[COUNTRY_B],
                                    w.responses["IDN"], w.responses["AUS"]],
    "round_id": lambda w, role: [w.current_round, w.previous_round],
    "iso3": lambda w, role: [COUNTRY_A, COUNTRY_B, "AUS"],
    "section_id": lambda w, role: w.sections[:2],
    "question_id": lambda w, role: w.questions,
    "comment_id": lambda w, role: [w.comments[COUNTRY_A], w.comments[COUNTRY_B]],
    "user_id": lambda w, role: [w.victim_id],
    # One's own token, and somebody else's.
    "token_id": lambda w, role: ([w.token_ids[role]] if role in w.token_ids else [])
    + [w.token_ids["victim"]],
    "message_id": lambda w, role: [w.outbox_id],
    "version_id": lambda w, role: [w.version_id],
    "job_id": lambda w, role: [w.job_id],
    "upload_id": lambda w, role: [w.upload_id],
    "filename": lambda w, role: ["app.css"],
    # The "how scores are computed" page: a stored questionnaire, and one that is not.
    "code": lambda w, role: ["ftm-capability", "no-such-questionnaire"],
    "version": lambda w, role: [1, 99],
}
ENDPOINT_PARAMETERS: dict[tuple[str, str], Builder] = {
    ("accounts.accept_invitation", "token"): lambda w, role: [w.invite_token, "no-such-token"],
    ("accounts.reset_password", "token"): lambda w, role: [w.reset_token, "no-such-token"],
    ("notifications.one_click", "token"): lambda w, role: [w.extra["preference_token"],
                                                           "no-such-token"],
    # The translation upload routes: the administrator's staged translation file.
    ("admin.translation_preview", "upload_id"): lambda w, role: [w.extra["translation_upload"]],
    ("admin.translation_apply", "upload_id"): lambda w, role: [w.extra["translation_upload"]],
}


def parameter_values(rule: Rule, world: World, role: str) -> dict[str, list[Any]]:
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)
            continue
        builder = ENDPOINT_PARAMETERS.get((rule.endpoint, name)) or PARAMETERS.get(name)
        if builder is None:
            raise LookupError(f"no way to fill <{name}> of {rule.rule} ({rule.endpoint})")
        values[name] = builder(world, role)
    return values


def missing_builders(app: Flask) -> list[str]:
    """Routes whose URL parameters nothing here knows how to fill."""
    missing = []
    for rule in app.url_map.iter_rules():
        for name, converter in rule._converters.items():
            if isinstance(converter, AnyConverter):
                continue
            if (rule.endpoint, name) not in ENDPOINT_PARAMETERS and name not in PARAMETERS:
                missing.append(f"{rule.rule} <{name}>")
    return missing


def is_integer(rule: Rule, name: str) -> bool:
    return isinstance(rule._converters[name], IntegerConverter)


# -- query parameters each page reads (besides the fields of GET forms on its page) -------

QUERY: dict[str, tuple[str, ...]] = {
    "review.tracker": ("subregion", "status"),
    "review.tracker_xlsx": ("subregion", "status"),
    "review.comments": ("page", "question", "thread"),
    "review.show": ("page",),
    "answering.section": ("page",),
    "answering.workbook": ("section", "lang"),
    "answering.workbook_download": ("section", "lang"),
    "admin.audit": ("user", "country", "round", "action", "since", "until", "page"),
    "admin.audit_csv": ("user", "country", "round", "action", "since", "until"),
    "admin.outbox": ("page",),
    "admin.translation_download": ("language", "kind"),
    "profile_pages.overview": ("sort", "dir", "language"),
    # A profile, the method page and the public file in a chosen language.
    "profile_pages.profile": ("language",),
    "profile_pages.public_profile": ("language",),
    "profile_pages.method": ("language",),
    "profile_pages.public_download": ("language",),
    "accounts.login": ("next",),
    "api.answers": ("country", "subregion", "status", "format", "bom", "limit", "offset"),
    "api.scores": ("country", "subregion", "status"),
    "api.workbook": ("country", "subregion", "status", "format"),
    "api.country_workbook": ("status",),
}
# Pages that read no query parameter still get one, so NUL and friends reach every route.
DEFAULT_QUERY = ("q",)


# -- form fields of POST routes that no page renders as a form ----------------------------
# (The autosave endpoint is posted by the page's script; decisions only show in some states.)

FIELDS: dict[str, list[tuple[str, str, str]]] = {
    # (name, input type, default value)
    # The confirmation of wide actions (survey/confirmation.py): without it, the route
    # answers with the confirmation page, which carries every posted field back.
    "review.approve": [("confirmed", "hidden", "yes")],
    "review.return_": [("reason", "textarea", "Please check the figures."),
                       ("confirmed", "hidden", "yes")],
    "review.reopen": [("reason", "textarea", "A figure was wrong.")],
    "review.add_comment": [("body", "textarea", "A comment."), ("question_id", "hidden", ""),
                           ("parent_id", "hidden", ""), ("next", "hidden", "")],
    "review.resolve": [("resolved", "hidden", "1"), ("next", "hidden", "")],
    "review.notifications_read": [("id", "hidden", ""), ("link", "hidden", "/")],
    "answering.prefill": [],
    "answering.submit": [],
    "answering.confirm_carried": [],
    "answering.workbook_settle": [("question_id", "hidden", ""), ("choice", "hidden", "mine")],
    "answering.workbook_apply": [("confirm", "hidden", "")],
    "answering.workbook_choose": [("question_id", "hidden", ""), ("choice", "hidden", "0")],
    "profile_pages.publishable": [("publishable", "hidden", "1")],
    "accounts.logout": [],
    "accounts.revoke_token": [],
    "admin.round_state": [("confirmed", "hidden", "yes")],
    "admin.user_action": [("confirmed", "hidden", "yes")],
    # Shown on a reviewer's page only (the corpus acts on a focal point), and after a
    # confirmation page.
    "admin.reviewer_countries": [("countries", "checkbox", "1")],
    "admin.send_reminders": [],
    # Shown only when the staged translation file changes a text.
    "admin.translation_apply": [],
}


def save_one_fields(question_id: str, section_forms: list[list[tuple[str, str, str]]]
                    ) -> list[tuple[str, str, str]]:
    """The autosave posts the fields of one question, as the section form names them."""
    for shape in section_forms:
        found = [f for f in shape if f[0] == question_id or f[0].startswith(question_id + "__")]
        if found:
            if any(name == question_id and kind == "text" for name, kind, _ in found):
                # A typed number the language does not settle is asked about: the pick
                # comes back in this field, which the page shows only then.
                found.append((question_id + "__reading", "radio", ""))
            return found
    return [(question_id, "text", "")]


# -- who may change the database through which endpoint ------------------------------------
# A role not allowed here must leave every key table exactly as it was. Endpoints missing
# from this table may write for nobody.

def _own_response(world: World, role: str, response_id: Any) -> bool:
    return ROLE_COUNTRY.get(role) is not None and \
        ROLE_COUNTRY.get(role) == world.country_of_response(response_id)


def _may_comment(world: World, role: str, response_id: Any) -> bool:
    if role in REVIEWERS:
        return True
    return _own_response(world, role, response_id) and \
        world.response_status.get(response_id) is ResponseStatus.RETURNED


def _own_country(world: World, role: str, iso3: Any) -> bool:
    return ROLE_COUNTRY.get(role) == str(iso3).upper()


Policy = Callable[[World, str, dict[str, Any]], bool]

WRITERS: dict[str, Policy] = {
    "answering.section": lambda w, role, a: _own_response(w, role, a.get("response_id")),
    "answering.save_one": lambda w, role, a: _own_response(w, role, a.get("response_id")),
    "answering.prefill": lambda w, role, a: _own_response(w, role, a.get("response_id")),
    "answering.submit": lambda w, role, a: _own_response(w, role, a.get("response_id")),
    "answering.confirm_carried": lambda w, role, a: _own_response(w, role, a.get("response_id")),
    # The answer workbook: an upload is kept for its preview, settled and applied.
    "answering.workbook_upload": lambda w, role, a: _own_response(w, role, a.get("response_id")),
    "answering.workbook_settle": lambda w, role, a: role == "focal_a"
    and _own_response(w, role, a.get("response_id")),
    "answering.workbook_apply": lambda w, role, a: role == "focal_a"
    and _own_response(w, role, a.get("response_id")),
    "answering.workbook_choose": lambda w, role, a: role == "focal_a"
    and _own_response(w, role, a.get("response_id")),
    "review.add_comment": lambda w, role, a: _may_comment(w, role, a.get("response_id")),
    "review.resolve": lambda w, role, a: _may_comment(
        w, role, w.comment_response.get(a.get("comment_id"))),
    "review.return_": lambda w, role, a: role in REVIEWERS,
    "review.approve": lambda w, role, a: role in REVIEWERS,
    "review.reopen": lambda w, role, a: role in REVIEWERS,
    "review.notifications_read": lambda w, role, a: role in LOGGED_IN,
    "profile_pages.publishable": lambda w, role, a: _own_country(w, role, a.get("iso3")),
    "downloads.index": lambda w, role, a: role in STAFF,
    # A country workbook records who downloaded it.
    "downloads.country_workbook": lambda w, role, a: role in STAFF or _own_country(w, role, a.get("iso3")),
    "accounts.tokens": lambda w, role, a: role in LOGGED_IN,
    "accounts.revoke_token": lambda w, role, a: a.get("token_id") == w.token_ids.get(role),
    "accounts.change_password": lambda w, role, a: role in LOGGED_IN,
    "accounts.change_language": lambda w, role, a: role in LOGGED_IN,
    "accounts.logout": lambda w, role, a: role in LOGGED_IN,
    # Anyone may try to log in or ask for a reset link; a valid one-time link acts for anyone.
    "accounts.login": lambda w, role, a: True,
    "accounts.forgot_password": lambda w, role, a: True,
    "accounts.accept_invitation": lambda w, role, a: a.get("token") == w.invite_token,
    "accounts.reset_password": lambda w, role, a: a.get("token") == w.reset_token,
    "notifications.preferences": lambda w, role, a: role in LOGGED_IN,
    # The link in an e-mail changes that person's e-mail choices, whoever holds it.
    "notifications.one_click": lambda w, role, a: a.get("token") == w.extra["preference_token"],
}
ADMIN_ONLY_PREFIX = "admin."


def may_write(world: World, endpoint: str, role: str, args: dict[str, Any]) -> bool:
    if endpoint.startswith(ADMIN_ONLY_PREFIX):
        return role == "admin"
    policy = WRITERS.get(endpoint)
    return bool(policy and policy(world, role, args))


# Tables whose rows are counted on purpose whoever asks (rate-limit counters), a person's own
# login sessions (the one-time link pages end the session they are opened in, and the runner
# logs the role in again; tests/security/test_logout.py covers who may end which session), and
# columns that record use rather than change (when an API token was last used).
UNWATCHED_TABLES = frozenset({"rate_limit_counters", "user_sessions"})
UNWATCHED_COLUMNS = {"api_tokens": frozenset({"last_used_at"}),
                     "questionnaire_versions": frozenset({"definition"}),
                     "export_jobs": frozenset({"content"})}
