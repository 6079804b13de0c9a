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

from flask import Blueprint, Response, abort, g, jsonify, request, send_file, stream_with_context, url_for
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from exports import XLSX_MIMETYPE, tidy_csv_chunks, tidy_table
from exports.tables import scores_tables

from ..access import can_export_country, can_export_regional, can_see_round, visible_rounds
from ..accounts.api_tokens import user_for_token
from ..downloads.services import build_export, export_input
from ..extensions import csrf, db
from ..models import Country, Round, User
from ..rules import SurveyError
from ..security import json_error

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
# Machine names for the tidy table's columns.
API_COLUMNS = {
    "Round": "round", "Country": "country", "ISO3": "iso3", "Sub-region": "subregion",
    "Pillar": "pillar", "Question id": "question_id", "Question": "question",
    "Value code": "value_code", "Value label": "value_label", "Numeric value": "value_number",
    "Evidence": "evidence", "Status": "status", "Last changed": "updated_at",
}
PUBLIC_ENDPOINTS = {"api.openapi"}


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


@bp.get("/rounds")
def rounds():
    found = db.session.scalars(select(Round).where(visible_rounds(_user())).order_by(Round.id))
    return jsonify({"results": [{
        "id": r.id, "name": r.name, "state": r.state.value,
        "questionnaire": r.questionnaire.key, "previous_round_id": r.previous_round_id,
        "opens_on": r.opens_on.isoformat() if r.opens_on else None,
        "closes_on": r.closes_on.isoformat() if r.closes_on else None,
        "answers_url": url_for("api.answers", round_id=r.id, _external=True),
    } for r in found]})


@bp.get("/rounds/<int:round_id>/answers")
def answers(round_id: int):
    """The tidy answers: JSON pages (limit, offset) or the whole table as streamed CSV."""
    round_ = _round(round_id)
    data = _input(round_, _user())
    frame = tidy_table(data).rename(columns=API_COLUMNS)
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
    return jsonify({"round": round_.name, "status_filter": data.meta.status_filter,
                    "total": len(frame), "limit": limit, "offset": offset, "next": following,
                    "results": _records(page)})


@bp.get("/rounds/<int:round_id>/scores")
def scores(round_id: int):
    """Pillar and overall scores per member; staff also get regional and sub-regional medians."""
    round_ = _round(round_id)
    user = _user()
    data = _input(round_, user)
    per_member, medians = scores_tables(data)
    body: dict[str, Any] = {"round": round_.name, "status_filter": data.meta.status_filter,
                            "results": _records(per_member.frame, machine_names=True)}
    if can_export_regional(user):
        body["medians"] = _records(medians.frame, machine_names=True)
    return jsonify(body)


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
    return jsonify(openapi_document(url_for("api.rounds", _external=True).rsplit("/rounds", 1)[0]))


def openapi_document(server: str) -> dict[str, Any]:
    """The OpenAPI 3.1 description of this API."""
    round_id = {"name": "round_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    status = {"name": "status", "in": "query", "schema": {
        "type": "string", "enum": ["approved", "submitted", "all"], "default": "approved"},
        "description": "approved: reviewed only; submitted: submitted and approved; "
                       "all: every response, including unreviewed drafts"}
    subregion = {"name": "subregion", "in": "query", "schema": {"type": "string"}}
    country = {"name": "country", "in": "query", "schema": {"type": "string", "pattern": "^[A-Za-z]{3}$"},
               "description": "ISO3 code; a focal point's token always reads its own country"}
    errors = {
        "401": {"description": "No token, or an unknown or revoked token"},
        "403": {"description": "The token's owner may not read this"},
        "404": {"description": "No such round or country"},
    }
    answer_schema = {"type": "object", "properties": {
        name: {"type": ["number", "null"]} if name == "value_number" else {"type": ["string", "null"]}
        for name in API_COLUMNS.values()}}
    xlsx = {"content": {XLSX_MIMETYPE: {"schema": {"type": "string", "format": "binary"}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Bali Process capability survey API", "version": "1.0.0",
                 "description": "Read-only access to survey rounds, tidy answers, scores and "
                                "workbooks. Send a personal token (created on /account/tokens) "
                                "as 'Authorization: Bearer <token>'. CSV text cells that could "
                                "be read as spreadsheet formulas start with an apostrophe."},
        "servers": [{"url": server}],
        "security": [{"bearerToken": []}],
        "components": {"securitySchemes": {"bearerToken": {"type": "http", "scheme": "bearer"}},
                       "schemas": {"Answer": answer_schema}},
        "paths": {
            "/rounds": {"get": {"summary": "Survey rounds", "responses": {
                "200": {"description": "Every round"}, **errors}}},
            "/rounds/{round_id}/answers": {"get": {
                "summary": "Tidy answers, one row per answer",
                "parameters": [round_id, status, subregion, country,
                               {"name": "format", "in": "query",
                                "schema": {"type": "string", "enum": ["json", "csv"], "default": "json"}},
                               {"name": "limit", "in": "query",
                                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                                           "default": DEFAULT_LIMIT}},
                               {"name": "offset", "in": "query",
                                "schema": {"type": "integer", "minimum": 0, "default": 0}},
                               {"name": "bom", "in": "query", "schema": {"type": "boolean"}}],
                "responses": {"200": {"description": "A page of answers (JSON, with 'next') or "
                                                     "the whole table as streamed CSV",
                                      "content": {"application/json": {"schema": {
                                          "type": "object", "properties": {
                                              "total": {"type": "integer"},
                                              "next": {"type": ["string", "null"]},
                                              "results": {"type": "array", "items": {
                                                  "$ref": "#/components/schemas/Answer"}}}}},
                                          "text/csv": {"schema": {"type": "string"}}}},
                              "400": {"description": "A bad parameter"}, **errors}}},
            "/rounds/{round_id}/scores": {"get": {
                "summary": "Pillar and overall scores (0-100) per member, with medians for staff",
                "parameters": [round_id, status, subregion, country],
                "responses": {"200": {"description": "Scores"}, **errors}}},
            "/rounds/{round_id}/workbook": {"get": {
                "summary": "The regional workbook (analysts, reviewers, administrators)",
                "parameters": [round_id, status, subregion,
                               {"name": "format", "in": "query", "schema": {
                                   "type": "string", "enum": ["xlsx", "zip", "csv", "csv-bom"]}}],
                "responses": {"200": {"description": "The file", **xlsx}, **errors}}},
            "/rounds/{round_id}/countries/{iso3}/workbook": {"get": {
                "summary": "One country's workbook: answers with evidence, scores, codebook",
                "parameters": [round_id, {"name": "iso3", "in": "path", "required": True,
                                          "schema": {"type": "string"}}],
                "responses": {"200": {"description": "The file", **xlsx}, **errors}}},
            "/openapi.json": {"get": {"summary": "This description", "security": [],
                                      "responses": {"200": {"description": "OpenAPI document"}}}},
        },
    }
