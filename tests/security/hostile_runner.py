"""Push the hostile corpus through one route for every role and report what went wrong.

First every GET page is rendered as every role (``crawl``, once per database backend): its
forms give the fields of each POST route, and the answers say which role gets past which
route's checks ("engaged"). Then, per route and role (``Runner.plan``):

- a POST route gets its form as the page renders it, where the role gets in and on two
  combinations of arguments where it does not (country A's response for B, and so on);
- the first three roles that get in send one request per payload class, the class's first
  payload in every field (query parameters: the route's known ones in ``hostile_world.QUERY``
  plus the fields of GET forms on its page), and the other payloads of every class mixed into
  one request elsewhere; every other role sends every class mixed into two requests;
- the first role that gets in also sends (POST) the form with nothing ticked or typed, each
  field alone, and a payload in the URL path per class.

Every answer is checked: no 500 (nor an exception), no raw markup from a payload in an HTML
page, no formula from a payload in a CSV or workbook download, and for a role that may not
write through the route (``hostile_world.may_write``), no change in any watched table: a
listener notices committed writes, and a snapshot of every watched table is compared.
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import event, select
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter, IntegerConverter

from survey.extensions import db

from .hostile_payloads import KINDS, PATH_VALUES, RAW_HTML_MARKERS, payload
from .hostile_world import (
    DEFAULT_QUERY,
    FIELDS,
    QUERY,
    ROLES,
    UNWATCHED_COLUMNS,
    UNWATCHED_TABLES,
    World,
    is_integer,
    may_write,
    parameter_values,
    save_one_fields,
)

# Fields sent alone per route and role (the rest are covered by the all-fields requests).
MAX_FIELDS_ALONE = 12
# Roles that get one request per payload class on a route; further roles that get in, like
# those turned away, send every class mixed into two requests.
FULL_ROLES = 3
# Pages read again after a route changed the database (endpoint, role, which combination of
# arguments): they show what was written, round-wide, so they must still work and escape it.
READERS = (("profile_pages.profile", "admin", 0), ("profile_pages.overview", "admin", 0),
           ("review.tracker", "admin", 0), ("review.show", "admin", 0), ("review.show", "admin", 1),
           ("review.comments", "admin", 0), ("review.comments", "focal_b", 1),
           ("answering.section", "focal_a", 0), ("answering.review", "focal_a", 0),
           ("admin.audit", "admin", 0), ("admin.users", "admin", 0), ("admin.rounds", "admin", 0),
           ("admin.outbox", "admin", 0), ("api.answers", "admin", 0),
           ("downloads.country_workbook", "focal_a", 0), ("accounts.tokens", "admin", 0))
# Endpoints after which the role's session is gone (logged out or logged in as someone else).
ENDS_SESSION = frozenset({"accounts.logout", "accounts.accept_invitation", "accounts.reset_password"})

Field = tuple[str, str, str]  # (name, input type, default value)


# -- finding forms on pages --------------------------------------------------------------

@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str, str, bool]] = field(default_factory=list)  # + checked


class FormParser(HTMLParser):
    """Every <form> of a page with the fields a browser would send."""

    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: list[Any] | None = None
        self._select: list[Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action") or self.page_url, (a.get("method") or "get").lower())
            self.forms.append(self._form)
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "reset", "image"):
                return
            checked = "checked" in a if kind in ("checkbox", "radio") else True
            self._form.fields.append((a["name"], kind, a.get("value", "on" if kind == "checkbox"
                                                            else ""), checked))
        elif tag == "textarea":
            self._textarea = [a["name"], ""]
        elif tag == "select":
            self._select = [a["name"], None, None]  # name, first option, selected option
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select[1] is None:
                self._select[1] = value
            if "selected" in a:
                self._select[2] = value

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.fields.append((self._textarea[0], "textarea", self._textarea[1], True))
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, first, chosen = self._select
            self._form.fields.append((name, "select", chosen if chosen is not None else first or "",
                                      True))
            self._select = None


def _default_fields(form: Form) -> list[Field]:
    """The fields with the values a browser would send (unchecked boxes left out)."""
    out = []
    for name, kind, value, checked in form.fields:
        if name == "csrf_token":
            continue  # each client sends a valid token of its own session
        if kind in ("checkbox", "radio") and not checked:
            if not any(n == name for n, _k, _v in out):
                out.append((name, kind, ""))  # the name is known; a payload may still go there
            continue
        out.append((name, kind, value))
    return out


@dataclass
class Discovery:
    """What the pages showed: POST forms per endpoint, GET form fields per endpoint."""

    post_forms: dict[str, list[tuple[dict[str, Any], list[Field]]]] = field(default_factory=dict)
    get_fields: dict[str, set[str]] = field(default_factory=dict)
    engaged: dict[tuple[str, str, int], bool] = field(default_factory=dict)
    pages: int = 0

    def add(self, app: Flask, form: Form) -> None:
        path = urlsplit(form.action).path
        method = "POST" if form.method == "post" else "GET"
        try:
            endpoint, args = app.url_map.bind("localhost").match(path, method=method)
        except (NotFound, MethodNotAllowed):
            return
        fields = _default_fields(form)
        if method == "GET":
            self.get_fields.setdefault(endpoint, set()).update(n for n, _k, _v in fields)
        else:
            shapes = self.post_forms.setdefault(endpoint, [])
            if (args, fields) not in shapes:
                shapes.append((args, fields))


def _combos(values: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Enough argument combinations to use every candidate of every parameter once."""
    if not values:
        return [{}]
    size = max(len(v) for v in values.values())
    return [{name: v[i % len(v)] for name, v in values.items()} for i in range(size)]


def path_kinds(rule: Rule) -> tuple[str, ...]:
    """The payload classes worth putting in the path: all of them where a parameter is text,
    numbers where it is an id, and a NUL byte after the last segment everywhere."""
    converters = rule._converters.values()
    if any(not isinstance(c, (IntegerConverter, AnyConverter)) for c in converters):
        return KINDS
    if any(isinstance(c, IntegerConverter) for c in converters):
        return ("nul", "huge_int", "negative")
    return ("nul",)


def build_path(rule: Rule, args: dict[str, Any]) -> str:
    def fill(match: re.Match) -> str:
        return quote(str(args[match.group(1)]), safe="")
    return re.sub(r"<(?:[^<>]*:)?(\w+)>", fill, rule.rule)


# -- the database before and after --------------------------------------------------------

def snapshot() -> dict[str, str]:
    """A fingerprint of every watched table: its rows, in key order."""
    out = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name in UNWATCHED_TABLES:
                continue
            skip = UNWATCHED_COLUMNS.get(table.name, frozenset())
            columns = [c for c in table.columns if c.name not in skip]
            rows = conn.execute(select(*columns).order_by(*table.primary_key.columns)).all()
            digest = hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
            out[table.name] = f"{len(rows)} rows {digest}"
    return out


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return [f"{name} ({before[name]} -> {after[name]})" for name in before
            if before[name] != after[name]]


# -- one request and its checks ------------------------------------------------------------

@dataclass(frozen=True)
class Failure:
    endpoint: str
    role: str
    kind: str  # a payload class, "form", "blank", "path", "readers"
    request: str
    problem: str

    def __str__(self) -> str:
        return f"{self.endpoint} as {self.role} [{self.kind}] {self.request}: {self.problem}"


@dataclass
class Attempt:
    role: str
    method: str
    path: str
    kind: str
    query: list[tuple[str, str]] = field(default_factory=list)
    form: dict[str, list[str]] | None = None
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    classes: tuple[str, ...] = ()  # the payload classes this request carries

    def describe(self) -> str:
        shown = []
        for name, value in self.query + [(k, v[0] if v else "") for k, v in (self.form or {}).items()]:
            text = value if len(value) < 40 else f"{value[:16]}…({len(value)} chars)"
            shown.append(f"{name}={text!r}")
        path = self.path if len(self.path) < 120 else self.path[:60] + "…"
        return f"{self.method} {path}" + (f" {{{', '.join(shown[:6])}}}" if shown else "")


def _problems(reply, body: bytes) -> list[str]:
    problems = []
    if reply.status_code >= 500:
        problems.append(f"status {reply.status_code}")
    location = reply.headers.get("Location")
    if 300 <= reply.status_code < 400 and location and _leaves_site(location):
        problems.append(f"redirect to another site: Location {location!r}")
    mimetype = reply.mimetype or ""
    if mimetype == "text/html":
        text = body.decode("utf-8", "replace")
        for marker in RAW_HTML_MARKERS:
            if marker in text:
                at = text.index(marker)
                problems.append(f"unescaped {marker!r} in the page: …{text[max(at - 60, 0):at + 40]!r}")
    elif mimetype == "text/csv":
        text = body.decode("utf-8-sig", "replace")
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                if _formula(cell):
                    problems.append(f"formula in a CSV cell: {cell[:60]!r}")
    elif mimetype.endswith("spreadsheetml.sheet") and body:
        book = load_workbook(io.BytesIO(body))
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f" and _formula(str(cell.value)):
                        problems.append(f"formula in {sheet.title}!{cell.coordinate}: {cell.value!r}")
    return problems


def _leaves_site(location: str) -> bool:
    """Whether a browser following this Location leaves the site (it drops tabs and line
    breaks, and reads a backslash as a slash)."""
    cleaned = re.sub(r"[\t\n\r]", "", location).strip("\x00 ").replace("\\", "/")
    parts = urlsplit(cleaned)
    if parts.scheme not in ("", "http", "https"):
        return True
    return bool(parts.netloc) and parts.netloc.split(":")[0] != "localhost"


def _formula(cell: str) -> bool:
    return cell.startswith(("=", "+", "-", "@")) and any(
        marker in cell for marker in ("cmd|", "hx7", "HYPERLINK"))


# -- noticing writes -----------------------------------------------------------------------

_DML = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
# Recording when a token was last used is not a change of anything the token owner owns.
_USE_STAMP = re.compile(r"^\s*UPDATE api_tokens SET last_used_at=\S+ WHERE", re.IGNORECASE)


class WriteWatch:
    """Which watched tables had a write committed since ``take()`` was last called.

    Cheap enough to run on every request; the snapshot (which reads every watched row)
    is then taken only around requests that really committed a write.
    """

    def __init__(self, engine):
        self.engine = engine
        self._pending: dict[int, set[str]] = {}
        self._committed: set[str] = set()
        self._lock = threading.Lock()
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "rollback", self._rollback)

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)
        event.remove(self.engine, "rollback", self._rollback)

    def _statement(self, conn, cursor, statement, parameters, context, executemany) -> None:
        found = _DML.match(statement)
        if found is None or found.group(1).lower() in UNWATCHED_TABLES or _USE_STAMP.match(statement):
            return
        with self._lock:
            self._pending.setdefault(id(conn), set()).add(found.group(1).lower())

    def _commit(self, conn) -> None:
        with self._lock:
            self._committed |= self._pending.pop(id(conn), set())

    def _rollback(self, conn) -> None:
        with self._lock:
            self._pending.pop(id(conn), None)

    def take(self) -> set[str]:
        with self._lock:
            tables, self._committed = self._committed, set()
        return tables


# -- the runner ----------------------------------------------------------------------------

REFUSALS = frozenset({401, 403, 404, 405, 410})


def _refused(reply) -> bool:
    """Turned away before the route's own work: no login, no right, nothing there."""
    if reply.status_code in REFUSALS:
        return True
    return 300 <= reply.status_code < 400 and "/login" in reply.headers.get("Location", "")


@dataclass
class RouteResult:
    failures: list[Failure] = field(default_factory=list)
    requests: Counter = field(default_factory=Counter)  # (role, payload class) -> requests
    sent: int = 0
    wrote: bool = False


class Runner:
    def __init__(self, app: Flask, world: World, discovery: Discovery, seed: int = 7):
        self.app = app
        self.world = world
        self.discovery = discovery
        self.random = random.Random(seed)
        self.clients = {role: self._client(role) for role in ROLES}
        self.watch = WriteWatch(db.engine)
        self._baseline: dict[str, str] | None = None

    def close(self) -> None:
        self.watch.close()

    # clients ------------------------------------------------------------------
    def _client(self, role: str):
        client = self.app.test_client()
        self._log_in(client, role)
        return client

    def _log_in(self, client, role: str) -> None:
        if role == "anonymous":
            return
        from survey.accounts.sessions import SESSION_KEY, start_session
        from survey.models import User

        with self.app.app_context():
            user = db.session.get(User, self.world.user_ids[role])
            ident = user.get_id()
            key = start_session(user)  # a server-side session, as the login form makes
            db.session.commit()
        with client.session_transaction() as session:
            session.clear()
            session["_user_id"] = ident
            session[SESSION_KEY] = key
            session["_fresh"] = True
            session.permanent = True

    def headers(self, role: str, endpoint: str) -> dict[str, str]:
        if endpoint.startswith("api.") and role in self.world.api_tokens:
            return {"Authorization": f"Bearer {self.world.api_tokens[role]}"}
        return {}

    # sending ------------------------------------------------------------------
    def send(self, attempt: Attempt, endpoint: str, result: RouteResult):
        client = self.clients[attempt.role]
        result.sent += 1
        for kind in attempt.classes:
            result.requests[(attempt.role, kind)] += 1
        data: Any = None
        if attempt.method == "POST":
            data = {k: list(v) for k, v in (attempt.form or {}).items()}
            for name, (content, filename) in attempt.files.items():
                data[name] = (io.BytesIO(content), filename)
        reply = None
        try:
            reply = client.open(attempt.path, method=attempt.method,
                                query_string=urlencode(attempt.query, quote_via=quote),
                                data=data, headers=self.headers(attempt.role, endpoint))
            problems = _problems(reply, reply.get_data())
            reply.close()
        except Exception as exc:  # noqa: BLE001 - any exception is what a person sees as a 500
            problems = [f"exception {type(exc).__name__}: {str(exc)[:300]}"]
        for problem in problems:
            result.failures.append(Failure(endpoint, attempt.role, attempt.kind,
                                           attempt.describe(), problem))
        if endpoint in ENDS_SESSION:
            self._log_in(client, attempt.role)
        return reply

    # what to send -------------------------------------------------------------
    def query_names(self, endpoint: str) -> list[str]:
        names = list(QUERY.get(endpoint, ()))
        names += sorted(self.discovery.get_fields.get(endpoint, set()) - set(names))
        return names or list(DEFAULT_QUERY)

    def form_fields(self, rule: Rule, args: dict[str, Any]) -> list[Field]:
        endpoint = rule.endpoint
        if endpoint == "answering.save_one":
            # The section form of the same response first: its hidden versions are this
            # response's, so the save is not refused as a conflict.
            sections = self.discovery.post_forms.get("answering.section", [])
            shapes = [f for a, f in sections if a.get("response_id") == args["response_id"]]
            shapes += [f for a, f in sections if a.get("response_id") != args["response_id"]]
            return save_one_fields(args["question_id"], shapes)
        shapes = self.discovery.post_forms.get(endpoint, [])
        for shape_args, fields in shapes:
            if shape_args == args:
                return fields
        if shapes:
            return shapes[0][1]
        if endpoint in FIELDS:
            return FIELDS[endpoint]
        raise LookupError(f"no page shows a form for {rule.rule} ({endpoint}) and FIELDS "
                          "does not list its fields")

    def path_attempt(self, role: str, method: str, rule: Rule, args: dict[str, Any], kind: str,
                     index: int, fields: list[Field]) -> Attempt:
        """The URL with a payload of ``kind`` in one path parameter (or after the last one)."""
        raw = PATH_VALUES[kind][index % len(PATH_VALUES[kind])]
        names = list(rule._converters)
        integers = [n for n in names if is_integer(rule, n)]
        strings = [n for n in names if n not in integers
                   and not isinstance(rule._converters[n], AnyConverter)]
        if kind in ("huge_int", "negative") and integers:
            path = build_path(rule, {**args, integers[index % len(integers)]: raw})
        elif strings:
            path = build_path(rule, {**args, strings[index % len(strings)]: raw})
        else:
            path = build_path(rule, args).rstrip("/") + "/" + quote(raw, safe="")
        if method == "POST":
            attempt = self._post(role, path, "path:" + kind, fields, {})
        else:
            attempt = Attempt(role, method, path, "path:" + kind)
        attempt.classes = (kind,)
        return attempt

    def _fill(self, role: str, method: str, path: str, label: str, names: list[str],
              fields: list[Field], values: dict[str, str], classes: tuple[str, ...]) -> Attempt:
        if method == "GET":
            attempt = Attempt(role, method, path, label, [(n, values.get(n, "")) for n in names
                                                          if n in values])
        else:
            attempt = self._post(role, path, label, fields, values)
        attempt.classes = classes
        return attempt

    def _mixed(self, role: str, method: str, path: str, names: list[str], fields: list[Field],
               kinds: tuple[str, ...], variant: int, label: str = "mixed") -> Attempt:
        """Every class in one request: one per field, and filler fields if there are few."""
        slots = list(names) + [f"hx7_{k}" for k in kinds[len(names):]]
        values = {slot: payload(kinds[i % len(kinds)], variant + i).value
                  for i, slot in enumerate(slots)}
        extra = [(slot, "text", "") for slot in slots if slot not in {n for n, _t, _v in fields}]
        return self._fill(role, method, path, label, slots, fields + extra, values, kinds)

    def plan(self, rule: Rule, role: str, role_index: int, kinds: tuple[str, ...],
             engaged_roles: dict[str, list[str]]) -> list[tuple[dict[str, Any], Attempt]]:
        """What ``role`` sends to ``rule``: see the module's docstring."""
        combos = _combos(parameter_values(rule, self.world, role))
        out: list[tuple[dict[str, Any], Attempt]] = []
        for method in (m for m in ("GET", "POST") if m in rule.methods):
            engaged = [i for i, args in enumerate(combos)
                       if self.engaged(rule, method, role, i, args)]
            refused = [i for i in range(len(combos)) if i not in engaged]
            post = method == "POST"
            if post:  # the form as its page renders it: where the role gets in, and elsewhere
                for i in engaged + refused[:2]:  # A and B come first among the candidates
                    args = combos[i]
                    fields = self.form_fields(rule, args)
                    out.append((args, self._post(role, build_path(rule, args), "form", fields, {})))
                if engaged_roles[method][:1] == [role]:
                    # Nothing ticked, nothing typed: first, while the form's versions are current.
                    args = combos[engaged[0]] if engaged else combos[0]
                    fields = self.form_fields(rule, args)
                    blank = {n: "" for n, kind, _v in fields if kind != "hidden"}
                    out.append((args, self._post(role, build_path(rule, args), "blank", fields,
                                                 blank, drop_blank=True)))
            no_nul = tuple(k for k in kinds if k != "nul")
            if engaged and role in engaged_roles[method][:FULL_ROLES]:
                args = combos[engaged[0]]
                path = build_path(rule, args)
                fields = self.form_fields(rule, args) if post else []
                names = [n for n, _t, _v in fields] if post else self.query_names(rule.endpoint)
                for kind in kinds:  # one request per class, the class's first payload everywhere
                    values = {n: payload(kind, 0).value for n in names}
                    out.append((args, self._fill(role, method, path, kind, names, fields, values,
                                                 (kind,))))
                for i in engaged[1:2] + refused[:1]:  # the other variants, elsewhere
                    other = combos[i]
                    other_fields = self.form_fields(rule, other) if post else []
                    other_names = [n for n, _t, _v in other_fields] if post else names
                    out.append((other, self._mixed(role, method, build_path(rule, other),
                                                   other_names, other_fields, no_nul, role_index + 1)))
            else:  # turned away (or one more role like the first ones): two requests
                for n, (label, classes) in enumerate((("mixed", no_nul), ("nul", ("nul",)))):
                    pool = engaged or refused
                    args = combos[pool[(n + role_index) % len(pool)]]
                    fields = self.form_fields(rule, args) if post else []
                    names = [f for f, _t, _v in fields] if post else self.query_names(rule.endpoint)
                    out.append((args, self._mixed(role, method, build_path(rule, args), names,
                                                  fields, classes, role_index, label)))
            if engaged_roles[method][:1] != [role]:
                continue
            # The first role that reaches the route also tries the path and each field alone.
            args = combos[engaged[0]] if engaged else combos[0]
            path = build_path(rule, args)
            fields = self.form_fields(rule, args) if post else []
            for k, kind in enumerate(kinds):
                if kind in path_kinds(rule):
                    out.append((args, self.path_attempt(role, method, rule, args, kind, k, fields)))
            names = [n for n, _t, _v in fields] if post else self.query_names(rule.endpoint)
            alone = list(enumerate(dict.fromkeys(names)))
            if len(alone) > MAX_FIELDS_ALONE:
                alone = self.random.sample(alone, MAX_FIELDS_ALONE)
            for i, name in alone:
                kind = kinds[(i + role_index) % len(kinds)]
                out.append((args, self._fill(role, method, path, kind, names, fields,
                                             {name: payload(kind, i).value}, (kind,))))
        return out

    def engaged(self, rule: Rule, method: str, role: str, index: int, args: dict[str, Any]) -> bool:
        """Whether ``role`` gets past the route's access checks with these arguments."""
        if method == "POST":
            return may_write(self.world, rule.endpoint, role, args)
        return self.discovery.engaged.get((rule.endpoint, role, index), False)

    @staticmethod
    def _post(role: str, path: str, kind: str, fields: list[Field], values: dict[str, str],
              drop_blank: bool = False) -> Attempt:
        form: dict[str, list[str]] = {}
        files: dict[str, tuple[bytes, str]] = {}
        for name, input_type, default in fields:
            value = values.get(name, default)
            if input_type == "file":
                hostile = name in values
                files[name] = ((value if hostile else "code: x\n").encode("utf-8", "surrogatepass"),
                               ("../" + value[:50] + ".yaml") if hostile else "definition.yaml")
                continue
            if drop_blank and value == "" and input_type != "hidden":
                continue  # nothing ticked, nothing typed
            if input_type in ("checkbox", "radio") and name not in values and value == "":
                continue
            form.setdefault(name, []).append(value)
        return Attempt(role, "POST", path, kind, form=form, files=files)

    # one route, every role ----------------------------------------------------
    def run_route(self, rule: Rule, roles: tuple[str, ...] = ROLES, kinds: tuple[str, ...] = KINDS,
                  only_kind: str | None = None, readers: bool = True) -> RouteResult:
        """Every role's requests to ``rule``; after writes, the pages that show the data."""
        result = RouteResult()
        engaged_roles: dict[str, list[str]] = {}
        for method in (m for m in ("GET", "POST") if m in rule.methods):
            engaged_roles[method] = [
                role for role in roles
                if any(self.engaged(rule, method, role, i, a)
                       for i, a in enumerate(_combos(parameter_values(rule, self.world, role))))]
            if not engaged_roles[method]:  # nobody gets in: the most trusted role tries anyway
                engaged_roles[method] = ["admin" if "admin" in roles else roles[-1]]
        self.watch.take()
        for role_index, role in enumerate(ROLES):
            if role not in roles:
                continue
            planned = self.plan(rule, role, role_index, kinds, engaged_roles)
            if only_kind is not None:
                planned = [(a, t) for a, t in planned if t.kind == only_kind]
            refused = [t for a, t in planned if not may_write(self.world, rule.endpoint, role, a)]
            allowed = [t for a, t in planned if may_write(self.world, rule.endpoint, role, a)]
            self._send_refused(rule.endpoint, role, refused, result)
            wrote = False
            for attempt in allowed:
                self.send(attempt, rule.endpoint, result)
                if attempt.kind == "blank" and self.watch.take():
                    # A cleared form is the likeliest to leave data readers choke on: read now,
                    # before later requests of the corpus write something else over it.
                    wrote = True
                    self.read_everything(rule.endpoint, result)
                    self.watch.take()
            self._wait_for_background_work()
            if self.watch.take() or wrote:
                result.wrote = True
                self._baseline = None  # taken again before the next role that may not write
        if result.wrote and readers:
            self.read_everything(rule.endpoint, result)
            self.watch.take()
        return result

    def _send_refused(self, endpoint: str, role: str, attempts: list[Attempt],
                      result: RouteResult) -> None:
        """Requests through which ``role`` may not write: the watched tables must not change."""
        if not attempts:
            return
        if self._baseline is None:
            self._baseline = snapshot()
        writers = []
        for attempt in attempts:
            self.send(attempt, endpoint, result)
            if self.watch.take():
                writers.append(attempt.describe())
        self._wait_for_background_work()
        if not writers:
            return
        after = snapshot()
        for change in changed_tables(self._baseline, after):
            result.failures.append(Failure(
                endpoint, role, "database", "; ".join(writers[:3]),
                f"changed {change} though {role} may not write through this route"))
        self._baseline = after

    def read_everything(self, endpoint: str, result: RouteResult) -> None:
        """After a route changed the data, the pages that show it must still work (and escape it)."""
        for reader, role, index in READERS:
            rule = next(r for r in self.app.url_map.iter_rules() if r.endpoint == reader)
            args = _combos(parameter_values(rule, self.world, role))[index]
            before = len(result.failures)
            self.send(Attempt(role, "GET", build_path(rule, args), "readers"), reader, result)
            for n in range(before, len(result.failures)):
                f = result.failures[n]
                result.failures[n] = Failure(endpoint, f.role, "readers", f.request,
                                             f"after writes through {endpoint}, {reader}: {f.problem}")

    @staticmethod
    def _wait_for_background_work() -> None:
        for thread in threading.enumerate():
            if thread.name.startswith("export-job-"):
                thread.join(timeout=60)


def crawl(app: Flask, runner: Runner) -> Discovery:
    """Render every GET page as every role: the forms on it, and who gets past its checks."""
    discovery = runner.discovery
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        for role in ROLES:
            for index, args in enumerate(_combos(parameter_values(rule, runner.world, role))):
                path = build_path(rule, args)
                reply = runner.clients[role].get(path, headers=runner.headers(role, rule.endpoint))
                discovery.pages += 1
                body = reply.get_data()  # also ends a streamed download
                reply.close()
                discovery.engaged[(rule.endpoint, role, index)] = not _refused(reply)
                if rule.endpoint in ENDS_SESSION:
                    runner._log_in(runner.clients[role], role)
                if reply.mimetype != "text/html":
                    continue
                parser = FormParser(path)
                parser.feed(body.decode("utf-8"))
                for form in parser.forms:
                    discovery.add(app, form)
    # The static files are there for everyone.
    for role in ROLES:
        discovery.engaged[("static", role, 0)] = True
    return discovery
