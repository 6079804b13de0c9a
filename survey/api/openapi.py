"""The OpenAPI 3.1 description of the API, kept beside its routes.

``/api/v1/openapi.json`` serves it and ``/api/v1/reference`` renders it as a page; a test
checks that every ``/api/`` route is described and that responses carry exactly the
described fields. Field names are one naming across endpoints (``subregion`` everywhere);
the names they replace stay for one release as deprecated aliases (``DEPRECATED_FIELDS``).
"""

from __future__ import annotations

import json
from typing import Any

from exports import XLSX_MIMETYPE

from ..models import RoundState

API_VERSION = "1.1.0"
# Old field names still sent, beside the new one, until API 1.2 (then removed).
DEPRECATED_SINCE = "2026-12-01"
DEPRECATED_SINCE_EPOCH = 1796083200  # the same day, as RFC 9745's Deprecation header wants it
REMOVED_IN = "1.2.0"
DEPRECATED_FIELDS = {
    "sub_region": "subregion",
}
PILLAR_TITLE_ALIAS = ("<pillar title>", "<pillar id>")

DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000

# Machine names for the tidy table's columns, with what each holds.
API_COLUMNS = {
    "Round": "round", "Country": "country", "ISO3": "iso3", "Sub-region": "subregion",
    "Pillar": "pillar", "Question id": "question_id", "Question": "question",
    "Value code": "value_code", "Value label": "value_label", "Numeric value": "value_number",
    "Evidence": "evidence", "Status": "status", "Last changed": "updated_at",
    "Demo data": "demo",
}
_ANSWER_FIELDS = {
    "round": "The round's name",
    "country": "The member's name",
    "iso3": "The member's ISO 3166 alpha-3 code",
    "subregion": "The member's sub-region",
    "pillar": "The pillar (section) the question belongs to",
    "question_id": "The question's stable id in the questionnaire",
    "question": "The question's text",
    "value_code": "The stored answer: an option code, a number or text",
    "value_label": "The answer as people read it (an option's label)",
    "value_number": "The answer as a number, when it is one",
    "evidence": "The evidence note given with the answer",
    "status": "The response's status (Approved, Submitted, ...)",
    "updated_at": "When the answer last changed (ISO 8601)",
    "demo": "True when the round holds demonstration data, not the answers of any member",
}


def _nullable(kind: str, description: str, **extra: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], "description": description, **extra}


def _text(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


def _deprecated(name: str) -> dict[str, Any]:
    return {"type": ["string", "null"], "deprecated": True,
            "description": f"Deprecated since {DEPRECATED_SINCE}: the same as '{DEPRECATED_FIELDS[name]}'; "
                           f"removed in API {REMOVED_IN}."}


def _demo() -> dict[str, Any]:
    return {"demo": {"type": "boolean", "description": "True when the round holds demonstration "
                     "data, not the answers of any member"},
            "notice": _nullable("string", "On demonstration data, the notice to show with it")}


SCORE_DESCRIPTION = "A score from 0 to 100 (null: too few answers to score)"


def schemas() -> dict[str, Any]:
    score = _nullable("number", SCORE_DESCRIPTION, minimum=0, maximum=100)
    pillar_scores = {"type": ["number", "null"], "x-key": "<pillar id>",
                     "description": "One score per pillar, keyed by the pillar's id (see "
                                    "'pillars'). Deprecated until API " + REMOVED_IN + ": the "
                                    "same score also under the pillar title's machine name, "
                                    "when that differs from the id."}
    return {
        "Error": {"type": "object", "required": ["error", "status"], "properties": {
            "error": _text("What went wrong, in words"),
            "status": {"type": "integer", "description": "The HTTP status code"}}},
        "Round": {"type": "object", "required": [
            "id", "name", "demo", "notice", "state", "questionnaire", "previous_round_id",
            "opens_on", "closes_on", "answers_url", "scores_url"], "properties": {
            "id": {"type": "integer", "description": "The round's id, used in the other paths"},
            **_demo(),
            "name": _text("The round's name"),
            "state": _text("Whether the round is open for answers",
                           enum=[s.value for s in RoundState]),
            "questionnaire": _text("The questionnaire and its version, as key:version"),
            "previous_round_id": _nullable("integer", "The round this one is compared with"),
            "opens_on": _nullable("string", "The opening date", format="date"),
            "closes_on": _nullable("string", "The closing date", format="date"),
            "answers_url": _text("This round's answers", format="uri"),
            "scores_url": _text("This round's scores", format="uri")}},
        "Answer": {"type": "object", "required": list(_ANSWER_FIELDS), "properties": {
            name: (_nullable("number", text) if name == "value_number" else
                   {"type": "boolean", "description": text} if name == "demo" else
                   _nullable("string", text))
            for name, text in _ANSWER_FIELDS.items()}},
        "AnswerPage": {"type": "object", "required": [
            "round", "demo", "notice", "status_filter", "total", "limit", "offset", "next",
            "results"], "properties": {
            "round": _text("The round's name"),
            **_demo(),
            "status_filter": _text("Which responses are included",
                                   enum=["approved", "submitted", "all"]),
            "total": {"type": "integer", "description": "Answers in the whole table"},
            "limit": {"type": "integer", "description": "Answers per page"},
            "offset": {"type": "integer", "description": "Answers skipped before this page"},
            "next": _nullable("string", "The next page's URL; null on the last page"),
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/Answer"}}}},
        "Pillar": {"type": "object", "required": ["key", "title"], "properties": {
            "key": _text("The pillar's id: the name of its score field"),
            "title": _text("The pillar's title in the token owner's language")}},
        "Score": {"type": "object",
                  "required": ["round", "country", "iso3", "subregion", "status", "overall"],
                  "properties": {
                      "round": _text("The round's name"),
                      "country": _text("The member's name"),
                      "iso3": _text("The member's ISO3 code"),
                      "subregion": _text("The member's sub-region"),
                      "status": _text("The response's status"),
                      "overall": score,
                      "sub_region": _deprecated("sub_region")},
                  "additionalProperties": pillar_scores},
        "Median": {"type": "object",
                   "required": ["round", "group", "level", "subregion", "members", "n", "overall",
                                "note"],
                   "properties": {
                       "round": _text("The round's name"),
                       "group": _text("The region as a whole, or a sub-region's name"),
                       "level": _text("Which kind of group", enum=["region", "subregion"]),
                       "subregion": _nullable("string", "The sub-region; null for the region"),
                       "members": {"type": "integer",
                                   "description": "Members in the group (with a response in "
                                                  "the status filter)"},
                       "n": {"type": "object",
                             "description": "Per score field, the members with a score: the "
                                            "count each median is taken over. A median over "
                                            "fewer than 3 is not given (null; see 'note')",
                             "additionalProperties": {"type": "integer"}},
                       "overall": _nullable("number", "The median overall score"),
                       "note": _nullable("string", "Why a median is withheld")},
                   "additionalProperties": {"type": ["number", "null"], "x-key": "<pillar id>",
                                            "description": "The median of each pillar's score, "
                                                           "keyed by the pillar's id"}},
        "Scores": {"type": "object",
                   "required": ["round", "demo", "notice", "status_filter", "pillars", "results"],
                   "properties": {
                       "round": _text("The round's name"),
                       **_demo(),
                       "status_filter": _text("Which responses are included",
                                              enum=["approved", "submitted", "all"]),
                       "pillars": {"type": "array", "items": {"$ref": "#/components/schemas/Pillar"}},
                       "results": {"type": "array", "items": {"$ref": "#/components/schemas/Score"}},
                       "medians": {"type": "array",
                                   "description": "Regional and sub-regional medians (analysts, "
                                                  "reviewers and administrators only)",
                                   "items": {"$ref": "#/components/schemas/Median"}},
                       "deprecated_fields": {
                           "type": "object", "additionalProperties": {"type": "string"},
                           "description": "Old field names in this answer, each with the name "
                                          "to use instead"}}},
    }


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(name: str, description: str, example: Any) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": _ref(name), "example": example}}}


def openapi_document(server: str) -> dict[str, Any]:
    """The OpenAPI 3.1 description of this API, its server at ``server``."""
    round_id = {"name": "round_id", "in": "path", "required": True,
                "description": "A round's id (from /rounds)", "schema": {"type": "integer"}}
    status = {"name": "status", "in": "query", "schema": {
        "type": "string", "enum": ["approved", "submitted", "all"], "default": "approved"},
        "description": "approved: reviewed only; submitted: submitted and approved; "
                       "all: every response, including unreviewed drafts"}
    subregion = {"name": "subregion", "in": "query", "schema": {"type": "string"},
                 "description": "Only the members of this sub-region (staff tokens)"}
    country = {"name": "country", "in": "query", "schema": {"type": "string", "pattern": "^[A-Za-z]{3}$"},
               "description": "ISO3 code; a focal point's token always reads its own country"}

    errors = {
        "401": _json("Error", "No token, or an unknown or revoked token",
                     {"error": "this API token is unknown or has been revoked", "status": 401}),
        "403": _json("Error", "The token's owner may not read this",
                     {"error": "this token may not read that country", "status": 403}),
        "404": _json("Error", "No such round or country",
                     {"error": "no round with id 99", "status": 404}),
    }
    bad = {"400": _json("Error", "A bad parameter",
                        {"error": "'limit' must be a whole number from 1 to 10000", "status": 400})}
    xlsx = {"description": "The file", "content": {
        XLSX_MIMETYPE: {"schema": {"type": "string", "format": "binary"}}}}
    answer_example = {
        "round": "2026 capability survey", "country": "Thailand", "iso3": "THA",
        "subregion": "South-East Asia", "pillar": "Legal frameworks", "question_id": "leg_tip_offence",
        "question": "Is trafficking in persons a criminal offence?", "value_code": "yes",
        "value_label": "Yes", "value_number": None, "evidence": "Penal Code s. 6",
        "status": "Approved", "updated_at": "2026-03-02T09:14:00"}
    score_example = {"round": "2026 capability survey", "country": "Thailand", "iso3": "THA",
                     "subregion": "South-East Asia", "status": "Approved", "legal": 75.0,
                     "operational": 62.5, "cooperation": 50.0, "overall": 62.5,
                     "sub_region": "South-East Asia"}
    median_example = {"round": "2026 capability survey", "group": "South-East Asia",
                      "level": "subregion", "subregion": "South-East Asia", "members": 9,
                      "n": {"legal": 9, "operational": 8, "cooperation": 9, "overall": 8},
                      "legal": 70.0, "operational": 55.0, "cooperation": 50.0, "overall": 58.3,
                      "note": None}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Bali Process capability survey API", "version": API_VERSION,
                 "description": "Read-only access to survey rounds, tidy answers, scores and "
                                "workbooks. Send a personal token (created on /account/tokens) "
                                "as 'Authorization: Bearer <token>'; it reads what its owner "
                                "may read (a focal point's token: that focal point's country). "
                                "CSV text cells that could be read as spreadsheet formulas "
                                "start with an apostrophe.",
                 "x-deprecated-fields": [
                     {"name": old, "use": new, "since": DEPRECATED_SINCE, "removed_in": REMOVED_IN,
                      "where": "scores (results)"} for old, new in DEPRECATED_FIELDS.items()] + [
                     {"name": PILLAR_TITLE_ALIAS[0], "use": PILLAR_TITLE_ALIAS[1],
                      "since": DEPRECATED_SINCE, "removed_in": REMOVED_IN,
                      "where": "scores (results and medians), when the title's machine name "
                               "differs from the id"}]},
        "servers": [{"url": server}],
        "security": [{"bearerToken": []}],
        "components": {"securitySchemes": {"bearerToken": {
            "type": "http", "scheme": "bearer",
            "description": "A personal API token from the API tokens page of your account"}},
            "schemas": schemas()},
        "paths": {
            "/rounds": {"get": {
                "summary": "Survey rounds",
                "description": "Every round the token's owner may see (drafts: administrators).",
                "responses": {"200": {"description": "The rounds", "content": {"application/json": {
                    "schema": {"type": "object", "required": ["results"], "properties": {
                        "results": {"type": "array", "items": _ref("Round")}}},
                    "example": {"results": [{
                        "id": 2, "name": "2026 capability survey", "state": "open",
                        "questionnaire": "ftm-capability:1", "previous_round_id": 1,
                        "opens_on": "2026-02-01", "closes_on": "2026-04-30",
                        "answers_url": f"{server}/rounds/2/answers",
                        "scores_url": f"{server}/rounds/2/scores"}]}}}},
                    "401": errors["401"]}}},
            "/rounds/{round_id}/answers": {"get": {
                "summary": "Tidy answers, one row per answer",
                "description": "JSON pages (follow 'next') or, with format=csv, the whole table "
                               "streamed as CSV with the same column names.",
                "parameters": [round_id, status, subregion, country,
                               {"name": "format", "in": "query", "description": "json or csv",
                                "schema": {"type": "string", "enum": ["json", "csv"], "default": "json"}},
                               {"name": "limit", "in": "query", "description": "Answers per JSON page",
                                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                                           "default": DEFAULT_LIMIT}},
                               {"name": "offset", "in": "query",
                                "description": "Answers to skip (the 'next' link sets it)",
                                "schema": {"type": "integer", "minimum": 0, "default": 0}},
                               {"name": "bom", "in": "query",
                                "description": "CSV only: start with a byte-order mark, for Excel",
                                "schema": {"type": "boolean"}}],
                "responses": {"200": {"description": "A page of answers (JSON) or the whole "
                                                     "table (CSV)",
                                      "content": {"application/json": {
                                          "schema": _ref("AnswerPage"),
                                          "example": {"round": "2026 capability survey",
                                                      "status_filter": "approved", "total": 2415,
                                                      "limit": 1, "offset": 0,
                                                      "next": f"{server}/rounds/2/answers?limit=1&offset=1",
                                                      "results": [answer_example]}},
                                          "text/csv": {"schema": {"type": "string"}}}},
                              **bad, **errors}}},
            "/rounds/{round_id}/scores": {"get": {
                "summary": "Pillar and overall scores (0-100) per member, with medians for staff",
                "description": "Each member's scores keyed by pillar id; analysts, reviewers and "
                               "administrators also get the regional and sub-regional medians, "
                               "each with its member count ('members') and the count each "
                               "median is taken over ('n').",
                "parameters": [round_id, status, subregion, country],
                "responses": {"200": _json("Scores", "Scores", {
                    "round": "2026 capability survey", "status_filter": "approved",
                    "pillars": [{"key": "legal", "title": "Legal"},
                                {"key": "operational", "title": "Operational"},
                                {"key": "cooperation", "title": "Cooperation"}],
                    "results": [score_example], "medians": [median_example],
                    "deprecated_fields": {"sub_region": "subregion"}}),
                    **bad, **errors}}},
            "/rounds/{round_id}/workbook": {"get": {
                "summary": "The regional workbook (analysts, reviewers, administrators)",
                "description": "The same file as on the Downloads page.",
                "parameters": [round_id, status, subregion,
                               {"name": "format", "in": "query", "description": "The file's format",
                                "schema": {"type": "string", "enum": ["xlsx", "zip", "csv", "csv-bom"],
                                           "default": "xlsx"}}],
                "responses": {"200": xlsx, **bad, **errors}}},
            "/rounds/{round_id}/countries/{iso3}/workbook": {"get": {
                "summary": "One country's workbook: answers with evidence, scores, codebook",
                "parameters": [round_id, {"name": "iso3", "in": "path", "required": True,
                                          "description": "The member's ISO3 code",
                                          "schema": {"type": "string"}}],
                "responses": {"200": xlsx, **errors}}},
            "/openapi.json": {"get": {
                "summary": "This description (no token needed)", "security": [],
                "responses": {"200": {"description": "The OpenAPI document", "content": {
                    "application/json": {"schema": {"type": "object"}}}}}}},
            "/reference": {"get": {
                "summary": "This description as a page to read (no token needed)", "security": [],
                "responses": {"200": {"description": "An HTML page", "content": {
                    "text/html": {"schema": {"type": "string"}}}}}}},
        },
    }


# -- the reference page: the document reshaped for a template ------------------------------

def _type_of(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    kind = schema.get("type", "object")
    if kind == "array":
        return f"array of {_type_of(schema.get('items', {}))}"
    kinds = kind if isinstance(kind, list) else [kind]
    text = " or ".join(kinds)
    if schema.get("format"):
        text += f" ({schema['format']})"
    return text


def _fields(schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required", []))
    out = [{"name": name, "type": _type_of(field), "required": name in required,
            "description": field.get("description", ""), "enum": field.get("enum"),
            "deprecated": bool(field.get("deprecated")),
            "ref": field["$ref"].rsplit("/", 1)[-1] if "$ref" in field else
            field.get("items", {}).get("$ref", "").rsplit("/", 1)[-1] or None}
           for name, field in schema.get("properties", {}).items()]
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) and extra.get("description"):
        out.append({"name": extra.get("x-key", "…"), "type": _type_of(extra), "required": False,
                    "description": extra["description"], "enum": None, "deprecated": False,
                    "ref": None})
    return out


def reference_sections(doc: dict[str, Any]) -> dict[str, Any]:
    """What the reference page shows: endpoints with parameters, answers, fields and
    examples; the schemas' fields; authentication; the deprecated names."""
    endpoints = []
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            responses = []
            schema_name, example, inline = None, None, []
            for code, answer in op["responses"].items():
                content = answer.get("content", {})
                responses.append({"code": code, "description": answer["description"],
                                  "types": list(content)})
                body = content.get("application/json", {})
                if code == "200" and body:
                    schema = body.get("schema", {})
                    schema_name = schema["$ref"].rsplit("/", 1)[-1] if "$ref" in schema else None
                    if schema_name is None and "properties" in schema:
                        schema_name = "inline"
                        inline = _fields(schema)
                    if "example" in body:
                        example = json.dumps(body["example"], indent=2, ensure_ascii=False)
            endpoints.append({
                "method": method.upper(), "path": path,
                "url": doc["servers"][0]["url"] + path.replace("{round_id}", "1")
                .replace("{iso3}", "THA"),
                "anchor": method + "-" + path.strip("/").replace("/", "-").replace("{", "")
                .replace("}", "").replace(".", "-"),
                "summary": op.get("summary", ""), "description": op.get("description", ""),
                "public": op.get("security") == [],
                "parameters": [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                                "type": _type_of(p.get("schema", {})),
                                "default": p.get("schema", {}).get("default"),
                                "enum": p.get("schema", {}).get("enum"),
                                "description": p.get("description", "")}
                               for p in op.get("parameters", [])],
                "responses": responses,
                "schema": schema_name if schema_name != "inline" else None,
                "fields": inline if schema_name == "inline" else [],
                "example": example})
    schemas = [{"name": name, "fields": _fields(schema)}
               for name, schema in doc["components"]["schemas"].items()]
    return {"endpoints": endpoints, "schemas": schemas,
            "deprecated": doc["info"].get("x-deprecated-fields", []),
            "auth": doc["components"]["securitySchemes"]["bearerToken"]}
