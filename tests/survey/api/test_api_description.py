"""Issue 15 §6: one naming across the API (old names kept, marked deprecated), member counts
on regional figures, an OpenAPI description that covers every route and matches what the
routes send, and a reference page people can read."""

from __future__ import annotations

import re
from typing import Any

import pytest

from survey.accounts.api_tokens import create_token
from survey.api.openapi import DEPRECATED_FIELDS
from survey.extensions import db
from tests.conftest import login_as
from tests.exports.world import build_world

JSON_TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool,
              "object": dict, "array": list, "null": type(None)}


@pytest.fixture
def world(seeded):
    return build_world()


@pytest.fixture
def doc(client):
    return client.get("/api/v1/openapi.json").get_json()


def bearer_for(user) -> dict:
    _token, raw = create_token(user, "test")
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


def _resolve(doc: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def check(doc: dict, schema: dict, value: Any, where: str = "body") -> None:
    """``value`` has exactly the described fields, each of its described type (a small
    JSON Schema subset: type, properties, required, additionalProperties, items, enum)."""
    schema = _resolve(doc, schema)
    kinds = schema.get("type")
    if kinds is not None:
        kinds = kinds if isinstance(kinds, list) else [kinds]
        allowed = tuple(JSON_TYPES[k] for k in kinds)
        assert isinstance(value, allowed) and not (
            isinstance(value, bool) and "boolean" not in kinds), f"{where}: {value!r} is not {kinds}"
    if "enum" in schema and value is not None:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if isinstance(value, dict) and ("properties" in schema or "additionalProperties" in schema):
        properties = schema.get("properties", {})
        missing = set(schema.get("required", [])) - set(value)
        assert not missing, f"{where}: described as always there but missing: {missing}"
        extra = schema.get("additionalProperties", False)
        for key, item in value.items():
            if key in properties:
                check(doc, properties[key], item, f"{where}.{key}")
            else:
                assert extra, f"{where}: '{key}' is sent but not described"
                if isinstance(extra, dict):
                    check(doc, extra, item, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            check(doc, schema["items"], item, f"{where}[{i}]")


def _ok_schema(doc: dict, path: str) -> dict:
    return doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]


def test_every_api_route_is_described_and_nothing_else(app, doc):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len("/api/v1"):])
            routes |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    described = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert routes == described
    for path, ops in doc["paths"].items():
        for op in ops.values():
            assert op["summary"] and "200" in op["responses"]
            named = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert named == set(re.findall(r"{(\w+)}", path)), path


def test_responses_carry_exactly_the_described_fields(client, world, make_user, doc):
    rid = world["current"].id
    for role, country in (("reviewer", None), ("focal_point", "KHM")):
        headers = bearer_for(make_user(role, country) if country else make_user(role))
        rounds = client.get("/api/v1/rounds", headers=headers).get_json()
        check(doc, _ok_schema(doc, "/rounds"), rounds, "rounds")
        answers = client.get(f"/api/v1/rounds/{rid}/answers?limit=3", headers=headers).get_json()
        check(doc, _ok_schema(doc, "/rounds/{round_id}/answers"), answers, "answers")
        assert len(answers["results"]) == 3
        for status in ("approved", "all"):
            scores = client.get(f"/api/v1/rounds/{rid}/scores?status={status}",
                                headers=headers).get_json()
            check(doc, _ok_schema(doc, "/rounds/{round_id}/scores"), scores, "scores")
            assert scores["results"]
            assert ("medians" in scores) == (role == "reviewer")
    unknown = client.get("/api/v1/rounds/999/scores", headers=headers)
    check(doc, doc["paths"]["/rounds/{round_id}/scores"]["get"]["responses"]["404"]["content"]
          ["application/json"]["schema"], unknown.get_json(), "error")


def test_the_checker_notices_an_undescribed_or_mistyped_field(doc):
    answer = {"$ref": "#/components/schemas/Answer"}
    good = dict.fromkeys(["round", "country", "iso3", "subregion", "pillar", "question_id",
                          "question", "value_code", "value_label", "evidence", "status",
                          "updated_at"], "x") | {"value_number": 1.5, "demo": False}
    check(doc, answer, good)
    with pytest.raises(AssertionError, match="sub_region"):
        check(doc, answer, good | {"sub_region": "x"})
    with pytest.raises(AssertionError, match="value_number"):
        check(doc, answer, good | {"value_number": "ten"})


def test_subregion_is_one_name_everywhere_with_the_old_one_deprecated(client, world, make_user):
    headers = bearer_for(make_user("reviewer"))
    rid = world["current"].id
    answers = client.get(f"/api/v1/rounds/{rid}/answers", headers=headers).get_json()["results"]
    reply = client.get(f"/api/v1/rounds/{rid}/scores", headers=headers)
    scores = reply.get_json()
    assert {a["subregion"] for a in answers} == {r["subregion"] for r in scores["results"]} == {
        "South-East Asia", "Middle East"}
    # The old names are still sent, equal to the new ones, and said to be deprecated.
    for row in scores["results"]:
        assert row["sub_region"] == row["subregion"]
        assert row["operational"] == row["ops"]  # the pillar title's machine name (old key)
    assert scores["deprecated_fields"] == {"sub_region": "subregion", "operational": "ops"}
    assert DEPRECATED_FIELDS == {"sub_region": "subregion"}
    assert reply.headers["Deprecation"].startswith("@")
    assert re.fullmatch(r'<http://[^>]+/api/v1/reference#deprecated-fields>; rel="deprecation";.*',
                        reply.headers["Link"])
    assert [p["key"] for p in scores["pillars"]] == ["legal", "ops"]
    # Answers carry no deprecated field, so no Deprecation header.
    assert "Deprecation" not in client.get(f"/api/v1/rounds/{rid}/answers",
                                           headers=headers).headers


def test_regional_and_subregional_medians_carry_their_member_counts(client, world, make_user):
    headers = bearer_for(make_user("analyst"))
    rid = world["current"].id
    medians = client.get(f"/api/v1/rounds/{rid}/scores", headers=headers).get_json()["medians"]
    by_group = {m["group"]: m for m in medians}
    region = by_group["All members (regional)"]
    assert region["level"] == "region" and region["subregion"] is None
    assert region["members"] == 3  # THA, KHM, ARE approved
    assert region["n"] == {"legal": 3, "ops": 3, "overall": 3}
    assert region["legal"] == 50 and region["overall"] == 37.5 and region["note"] is None
    south_east = by_group["South-East Asia"]
    assert south_east["level"] == "subregion" and south_east["subregion"] == "South-East Asia"
    assert south_east["members"] == 2 and south_east["n"]["overall"] == 2
    assert south_east["overall"] is None and "fewer than 3" in south_east["note"]
    submitted = client.get(f"/api/v1/rounds/{rid}/scores?status=submitted",
                           headers=headers).get_json()["medians"]
    assert next(m for m in submitted if m["level"] == "region")["members"] == 4  # + FJI


def test_reference_page_describes_the_api_for_people(client, world, doc):
    reply = client.get("/api/v1/reference")  # no token: it is documentation
    assert reply.status_code == 200 and reply.mimetype == "text/html"
    page = reply.get_data(as_text=True)
    for path in doc["paths"]:
        assert f"GET {path}" in page
    for name in ("round_id", "status", "subregion", "limit", "offset", "iso3"):
        assert f"<code>{name}</code>" in page
    for field in ("value_label", "updated_at", "members", "previous_round_id"):
        assert f"<code>{field}</code>" in page
    assert 'id="authentication"' in page and "Authorization: Bearer" in page
    assert 'href="/account/tokens/"' in page
    deprecated = page.split('id="deprecated-fields"')[1].split("</section>")[0]
    assert "<code>sub_region</code>" in deprecated and "<code>subregion</code>" in deprecated
    assert "&#34;n&#34;" in page or '"n"' in page  # an example answer with the member counts
    # Everything from this site: no CDN, no Swagger UI.
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', page)
    assert "swagger" not in page.lower()


def test_tokens_page_links_to_the_reference(client, world, make_user):
    login_as(client, make_user("analyst"))
    page = client.get("/account/tokens/").get_data(as_text=True)
    assert 'href="/api/v1/reference"' in page and "API reference" in page


def test_export_job_page_shows_labels_not_codes(client, world, make_user):
    login_as(client, make_user("analyst"))
    reply = client.post("/exports/", data={"round_id": world["current"].id, "subregion": "",
                                           "status": "approved", "format": "xlsx"})
    assert reply.status_code == 302
    page = client.get(reply.headers["Location"]).get_data(as_text=True)
    params = page.split('class="export-params"')[1].split("</dl>")[0]
    assert "<dd>Approved responses</dd>" in params and "<dd>Excel workbook</dd>" in params
    assert ">approved<" not in params and ">xlsx<" not in params
    listed = client.get("/exports/").get_data(as_text=True)
    assert "Approved responses · Excel workbook" in listed
