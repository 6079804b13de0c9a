"""A small read-only JSON API under /api/v1/, for scripts and notebooks.

Authentication is a personal token in ``Authorization: Bearer ...`` and nothing
else: session cookies are ignored here, so a page open in a browser cannot be
made to call the API (and CSRF protection is not needed). Tokens carry their
owner's rights: a focal point's token sees only that focal point's country.
"""

from __future__ import annotations

import io
import re
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    jsonify,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from exports import DEMO_NOTICE, XLSX_MIMETYPE, tidy_csv_chunks, tidy_table
from exports.tables import median_groups, score_figures
from profiles.disclosure import FEWER_MEMBERS

from ..access import can_export_country, can_export_regional, can_see_round, visible_rounds
from ..accounts.api_tokens import user_for_token
from ..downloads.services import build_export, export_input
from ..extensions import csrf, db
from ..models import Country, Round, User
from ..rules import SurveyError
from ..security import json_error
from .openapi import (
    API_COLUMNS,
    DEFAULT_LIMIT,
    DEPRECATED_FIELDS,
    DEPRECATED_SINCE_EPOCH,
    MAX_LIMIT,
    openapi_document,
    reference_sections,
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

PUBLIC_ENDPOINTS = {"api.openapi", "api.reference"}


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    headers = [("WWW-Authenticate", 'Bearer realm="survey api"')] if exc.status == 401 else []
    return json_error(exc.status, exc.message, headers)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return json_error(exc.code or 500, exc.description or exc.name, exc.get_headers())


@bp.before_request
def _authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _sep, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise ApiError(401, "send a personal API token: 'Authorization: Bearer <token>' "
                            "(create one on /account/tokens)")
    user = user_for_token(raw.strip())
    if user is None:
        db.session.rollback()
        raise ApiError(401, "this API token is unknown or has been revoked")
    db.session.commit()  # records when the token was last used
    g.api_user = user


def _user() -> User:
    return g.api_user


def _round(round_id: int) -> Round:
    found = db.session.get(Round, round_id)
    if found is None or not can_see_round(_user(), found):  # a draft: administrators only
        raise ApiError(404, f"no round with id {round_id}")
    return found


def _scope(user: User) -> tuple[Country | None, str | None]:
    """The country and sub-region a request may cover, by the token owner's role."""
    iso3 = (request.args.get("country") or "").strip().upper() or None
    subregion = request.args.get("subregion") or None
    country = None
    if iso3:
        country = db.session.scalar(select(Country).where(Country.iso3 == iso3))
        if country is None:
            raise ApiError(404, f"unknown country code '{iso3}'")
        if not can_export_country(user, country.id):
            raise ApiError(403, "this token may not read that country")
    if not can_export_regional(user):
        if country is None:
            country = db.session.get(Country, user.country_id) if user.country_id else None
            if country is None or not can_export_country(user, country.id):
                raise ApiError(403, "this token may not read regional data")
        subregion = None
    return country, subregion


def _input(round_: Round, user: User):
    country, subregion = _scope(user)
    status = request.args.get("status", "approved")
    try:
        return export_input([round_], status_filter=status, subregion=subregion, country=country,
                            generated_by=f"{user.display_name} (API)", language=user.language or "en")
    except SurveyError as exc:
        raise ApiError(400, str(exc)) from None


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ApiError(400, f"'{name}' must be a whole number from {low} to {high}")
    return int(raw)


def _machine_name(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(header).lower()).strip("_")


def _records(frame, *, machine_names: bool = False) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict(orient="records"):
        clean = {}
        for key, value in row.items():
            key = _machine_name(key) if machine_names else key
            if value is None or (isinstance(value, float) and value != value):
                clean[key] = None
            elif hasattr(value, "isoformat"):
                clean[key] = None if str(value) == "NaT" else value.isoformat()
            else:
                clean[key] = value
        out.append(clean)
    return out


def _demo_fields(round_: Round) -> dict[str, Any]:
    """Every response about a round says whether it is demonstration data, and then in words."""
    return {"demo": round_.is_demo, "notice": DEMO_NOTICE if round_.is_demo else None}


@bp.get("/rounds")
def rounds():
    found = db.session.scalars(select(Round).where(visible_rounds(_user())).order_by(Round.id))
    return jsonify({"results": [{
        "id": r.id, "name": r.name, "state": r.state.value,
        "questionnaire": r.questionnaire.key, "previous_round_id": r.previous_round_id,
        **_demo_fields(r),
        "opens_on": r.opens_on.isoformat() if r.opens_on else None,
        "closes_on": r.closes_on.isoformat() if r.closes_on else None,
        "answers_url": url_for("api.answers", round_id=r.id, _external=True),
        "scores_url": url_for("api.scores", round_id=r.id, _external=True),
    } for r in found]})


@bp.get("/rounds/<int:round_id>/answers")
def answers(round_id: int):
    """The tidy answers: JSON pages (limit, offset) or the whole table as streamed CSV."""
    round_ = _round(round_id)
    data = _input(round_, _user())
    # The API's fields are its documented ones (the workbook's tidy data has more columns).
    frame = tidy_table(data)[list(API_COLUMNS)].rename(columns=API_COLUMNS)
    fmt = request.args.get("format", "json")
    if fmt == "csv":
        bom = request.args.get("bom") in ("1", "true", "yes")
        body = stream_with_context(tidy_csv_chunks(frame, bom=bom))
        return Response(body, mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="answers-round-{round_.id}.csv"'})
    if fmt != "json":
        raise ApiError(400, "'format' must be json or csv")
    limit = _int_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _int_arg("offset", 0, 0, 10**9)
    page = frame.iloc[offset:offset + limit]
    following = None
    if offset + limit < len(frame):
        args = {**request.args.to_dict(), "limit": limit, "offset": offset + limit}
        following = url_for("api.answers", round_id=round_.id, _external=True, **args)
    return jsonify({"round": round_.name, **_demo_fields(round_),
                    "status_filter": data.meta.status_filter,
                    "total": len(frame), "limit": limit, "offset": offset, "next": following,
                    "results": _records(page)})


@bp.get("/rounds/<int:round_id>/scores")
def scores(round_id: int):
    """Pillar and overall scores per member, keyed by pillar id; staff also get regional and
    sub-regional medians, each with its member count and the count behind each median."""
    round_ = _round(round_id)
    user = _user()
    data = _input(round_, user)
    frame, titles, keys = score_figures(data)
    # Until API 1.2 a score is also under its title's machine name (the old key) when that
    # differs from the pillar id.
    aliases = {key: old for key, old in zip(keys, map(_machine_name, titles), strict=True)
               if old != key and old not in keys}
    results = []
    for row in _records(frame):
        entry = {"round": row["Round"], "country": row["Country"], "iso3": row["ISO3"],
                 "subregion": row["Sub-region"], "status": row["Status"]}
        entry.update(_scores(row, titles, keys, aliases))
        entry["sub_region"] = row["Sub-region"]  # deprecated alias of subregion
        results.append(entry)
    body: dict[str, Any] = {
        "round": round_.name, **_demo_fields(round_), "status_filter": data.meta.status_filter,
        "pillars": [{"key": key, "title": title} for key, title in zip(keys, titles, strict=True)
                    if key != "overall"],
        "results": results}
    if can_export_regional(user):
        body["medians"] = [{
            "round": group.round, "group": group.group,
            "level": "region" if group.regional else "subregion",
            "subregion": None if group.regional else group.group,
            "members": group.members,
            "n": {key: group.counts[title] for key, title in zip(keys, titles, strict=True)},
            **_scores(group.medians, titles, keys, aliases),
            "note": f"medians over {FEWER_MEMBERS} are not given" if group.withheld else None,
        } for group in median_groups(frame, titles, data.meta.rounds)]
    body["deprecated_fields"] = {"sub_region": DEPRECATED_FIELDS["sub_region"],
                                 **{old: key for key, old in aliases.items()}}
    response = jsonify(body)
    _mark_deprecated(response)
    return response


def _scores(row: dict[str, Any], titles: list[str], keys: list[str],
            aliases: dict[str, str]) -> dict[str, float | None]:
    """The score columns of a row under their keys (and deprecated title aliases)."""
    out: dict[str, float | None] = {}
    for key, title in zip(keys, titles, strict=True):
        value = row.get(title)
        value = None if value is None or value != value else float(value)
        out[key] = value
        if key in aliases:
            out[aliases[key]] = value
    return out


def _mark_deprecated(response: Response) -> None:
    """RFC 9745/8594 headers: this answer carries deprecated fields; the reference says which."""
    response.headers["Deprecation"] = f"@{DEPRECATED_SINCE_EPOCH}"
    response.headers["Link"] = (f'<{url_for("api.reference", _external=True)}#deprecated-fields>; '
                                'rel="deprecation"; type="text/html"')


@bp.get("/rounds/<int:round_id>/workbook")
def workbook(round_id: int):
    """The regional workbook (staff tokens only)."""
    round_ = _round(round_id)
    user = _user()
    if not can_export_regional(user):
        raise ApiError(403, "the regional workbook is for analysts, reviewers and administrators; "
                            "use /rounds/{id}/countries/{iso3}/workbook for your country")
    params = {"kind": "regional", "round": round_.id, "status": request.args.get("status"),
              "subregion": request.args.get("subregion") or None,
              "format": request.args.get("format", "xlsx"), "language": user.language or "en"}
    try:
        result = build_export(params, f"{user.display_name} (API)")
    except SurveyError as exc:
        raise ApiError(400, str(exc)) from None
    return send_file(io.BytesIO(result.content), mimetype=result.mimetype, as_attachment=True,
                     download_name=result.filename)


@bp.get("/rounds/<int:round_id>/countries/<iso3>/workbook")
def country_workbook(round_id: int, iso3: str):
    round_ = _round(round_id)
    user = _user()
    country = db.session.scalar(select(Country).where(Country.iso3 == iso3.upper()))
    if country is None:
        abort(404, f"unknown country code '{iso3}'")
    if not can_export_country(user, country.id):
        raise ApiError(403, "this token may not read that country")
    try:
        result = build_export({"kind": "country", "round": round_.id, "country": country.iso3,
                               "language": user.language or "en"}, f"{user.display_name} (API)")
    except SurveyError as exc:
        raise ApiError(404, str(exc)) from None
    return send_file(io.BytesIO(result.content), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=result.filename)


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(_server()))


@bp.get("/reference")
def reference():
    """The API described for people: the OpenAPI document rendered by our own template."""
    doc = openapi_document(_server())
    return render_template("api/reference.html", doc=doc, sections=reference_sections(doc),
                           tokens_url=url_for("accounts.tokens"))


def _server() -> str:
    return url_for("api.rounds", _external=True).rsplit("/rounds", 1)[0]
