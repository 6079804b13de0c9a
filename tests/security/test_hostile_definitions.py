"""Issue 10, item 6: hostile questionnaire files are refused before anything is stored.

Probing found that YAML aliases expanded through the definition's JSON copy (694 bytes
became 10^7 elements and was stored), that a 50,000-deep list or a 3,000-deep ``not``
chain raised RecursionError (500), and that ``survey questionnaire validate`` printed a
traceback for an alias list inside ``in:``. Definition files now pass size, alias,
nesting-depth and list-length checks on the YAML events, before any object is built,
and conditions are limited in depth and operand shape.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from questionnaires import DefinitionError, load_definition, parse_definition
from questionnaires.definition import MAX_DEPTH, MAX_LIST_ITEMS
from survey.extensions import db
from survey.models import QuestionnaireVersion, User
from tests.conftest import login_as

# Written for the demo's v1 current round: runs on it until ported to the v2 demo (issue 12 §6).
pytestmark = pytest.mark.demo_v1

HEAD = """code: hostile
version: 7
title: Hostile
sections:
  - id: legal
    title: Legal
    questions:
      - id: q_count
        type: integer
        label: How many?
      - id: q_offence
        type: yes_no_partial
        label: Offence?
"""


def with_relevant(condition: str) -> str:
    return HEAD + f"        relevant: {condition}\n"


def question(qid: str, condition: str) -> str:
    return (f"      - id: {qid}\n        type: short_text\n        label: {qid}\n"
            f"        relevant: {condition}\n")


def alias_bomb(levels: int = 4) -> str:
    """The billion-laughs shape, in places a definition accepts: each level ten times the last."""
    text = HEAD + question("q_l0", "{question: q_count, in: &l0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]}")
    for n in range(1, levels + 1):
        items = ", ".join([f"*l{n - 1}"] * 10)
        text += question(f"q_l{n}", f"{{question: q_count, in: &l{n} [{items}]}}")
    return text


HOSTILE = {
    # Valid definitions apart from the trick: each used to be accepted (and stored).
    "alias list in 'in'": (
        HEAD + question("q_one", "{question: q_count, in: &big [[1, 2, 3], [4, 5, 6]]}")
        + question("q_two", "{question: q_count, in: *big}"), "anchors and aliases"),
    "alias list in a choice's 'in'": (
        HEAD + question("q_one", "{question: q_offence, in: &yes [yes]}")
        + question("q_two", "{question: q_offence, in: [*yes, partial]}"), "anchors and aliases"),
    "alias bomb": (alias_bomb(), "anchors and aliases"),
    "anchor alone": (HEAD.replace("title: Hostile", "title: &t Hostile"), "anchors and aliases"),
    "50,000-deep list": (with_relevant("{question: q_count, in: " + "[" * 50_000 + "1"
                                       + "]" * 50_000 + "}"), f"more than {MAX_DEPTH} levels"),
    "3,000-deep not chain": (
        with_relevant("{not: " * 3000 + "{question: q_count, answered: true}" + "}" * 3000),
        f"more than {MAX_DEPTH} levels"),
    "long list": (with_relevant("{question: q_count, in: [" + ", ".join(["1"] * 100_000) + "]}"),
                  f"more than {MAX_LIST_ITEMS:,} items"),
    "nested list inside 'in'": (with_relevant("{question: q_count, in: [[1, 2], [3]]}"),
                                "'in' on 'q_count' needs a list of answers"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_definition_text_gets_a_clear_message(case):
    text, expected = HOSTILE[case]
    with pytest.raises(DefinitionError) as caught:
        parse_definition(text.encode(), source="hostile.yaml")
    message = str(caught.value)
    assert expected in message, message
    assert len(message) < 500


def test_deep_conditions_given_as_data_are_refused_too():
    """Stored (JSON) definitions do not pass through YAML: the same limits apply."""
    condition: dict = {"question": "q_count", "answered": True}
    for _ in range(3000):
        condition = {"not": condition}
    data = {"code": "deep", "version": 1, "title": "Deep", "sections": [{
        "id": "legal", "title": "Legal", "questions": [
            {"id": "q_count", "type": "integer", "label": "How many?"},
            {"id": "q_offence", "type": "yes_no_partial", "label": "Offence?",
             "relevant": condition}]}]}
    with pytest.raises(DefinitionError, match=f"more than {MAX_DEPTH} levels"):
        parse_definition(data)


def test_conditions_may_nest_within_reason():
    condition = "{question: q_count, answered: true}"
    for _ in range(6):
        condition = "{not: " + condition + "}"
    definition = parse_definition(with_relevant(condition).encode())
    assert definition.question("q_offence").relevant is not None


def test_validate_prints_one_line_and_no_traceback(tmp_path):
    from click.testing import CliRunner

    from survey.cli import cli

    for name, (text, expected) in HOSTILE.items():
        path = tmp_path / "hostile.yaml"
        path.write_text(text)
        # catch_exceptions=False: a traceback would fail this test, not be swallowed.
        result = CliRunner().invoke(cli, ["questionnaire", "validate", str(path)],
                                    catch_exceptions=False)
        output = result.output.strip()
        assert result.exit_code == 1, (name, output[-300:])
        assert len(output.splitlines()) == 1, (name, output[:300])
        assert expected in output and "Traceback" not in output, (name, output[:300])


# -- the admin upload: refused before anything is stored --------------------------------

def _versions() -> int:
    return db.session.scalar(select(func.count(QuestionnaireVersion.id)))


def test_hostile_uploads_store_nothing(client, demo):
    login_as(client, db.session.scalar(select(User).where(User.email == "admin@example.org")))
    before = _versions()
    for case, (text, expected) in HOSTILE.items():
        page = client.post("/admin/questionnaires",
                           data={"definition": (io.BytesIO(text.encode()), "hostile.yaml")},
                           content_type="multipart/form-data")
        assert page.status_code == 400, (case, page.status_code)
        html = page.get_data(as_text=True)
        assert "Traceback" not in html
        assert expected.replace("'", "&#39;") in html or expected in html, case
        assert _versions() == before, case


def test_the_bundled_definition_keeps_passing_every_limit():
    bundled = Path(__file__).resolve().parents[2] / "questionnaires" / "definitions"
    for path in bundled.glob("*.yaml"):
        assert load_definition(path).questions
