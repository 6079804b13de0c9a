"""The house rules that keep the pure rooms pure, and the package complete."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("package", ["questionnaires", "profiles", "exports"])
def test_pure_rooms_never_import_flask_or_the_database(package):
    code = (f"import sys, {package}, pkgutil, importlib\n"
            f"for m in pkgutil.walk_packages({package}.__path__, '{package}.'):\n"
            "    importlib.import_module(m.name)\n"
            "bad = sorted(n for n in sys.modules if n.split('.')[0] in "
            "('flask', 'flask_sqlalchemy', 'sqlalchemy', 'survey'))\n"
            "print(','.join(bad))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


@pytest.mark.slow
def test_wheel_ships_definitions_migrations_templates_and_static(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    wheel = next(tmp_path.glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in ("questionnaires/definitions/ftm-capability-v1.yaml",
                     "survey/migrations/env.py", "survey/migrations/alembic.ini",
                     "survey/migrations/versions/0001_initial_schema.py",
                     "survey/templates/base.html", "survey/static/app.css",
                     "survey/data/members.yaml"):
        assert expected in names, expected


SURVEY = ROOT / "survey"
PURE_ROOMS = ("questionnaires", "profiles", "exports")
FEATURES = sorted(p.name for p in SURVEY.iterdir()
                  if p.is_dir() and (p / "__init__.py").exists() and p.name != "migrations")


def _survey_modules():
    for path in sorted(SURVEY.rglob("*.py")):
        if "migrations" not in path.relative_to(SURVEY).parts:
            yield path


def _is_routes_module(path: Path) -> bool:
    return path.stem == "routes" or path.stem.endswith("_routes")


def test_no_name_inside_survey_repeats_a_pure_room():
    """``exports``, ``profiles`` and ``questionnaires`` always mean the pure builders."""
    clashes = [str(p.relative_to(ROOT)) for p in SURVEY.rglob("*")
               if "migrations" not in p.parts and p.stem in PURE_ROOMS and p.suffix in ("", ".py")]
    assert clashes == []


def test_views_live_in_routes_modules_named_so():
    """The architecture checks below find views by name; a view elsewhere would hide."""
    import re

    stray = [str(p.relative_to(ROOT)) for p in _survey_modules()
             if p.parent != SURVEY  # the core's few routes: health, security.txt
             and re.search(r"^@bp\.(route|get|post)\(", p.read_text(encoding="utf-8"), re.M)
             and not _is_routes_module(p)]
    assert stray == [] and {"accounts", "answering", "review", "downloads"} <= set(FEATURES)


def test_features_never_import_another_features_routes():
    """A feature may use another feature's rules (its services), never its views: the
    app factory is the only place that gathers the blueprints."""
    import ast

    offences = []
    for path in _survey_modules():
        parts = path.relative_to(SURVEY).with_suffix("").parts
        own = parts[0] if len(parts) > 1 else None
        package = ["survey", *parts[:-1]] if parts[-1] != "__init__" else ["survey", *parts[:-1]]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            targets = [module] + [f"{module}.{a.name}" for a in node.names]
            for target in targets:
                bits = target.split(".")
                if (len(bits) == 3 and bits[0] == "survey" and bits[1] in FEATURES
                        and bits[1] != own and (bits[2] == "routes" or bits[2].endswith("_routes"))
                        and path != SURVEY / "__init__.py"):
                    offences.append(f"{path.relative_to(ROOT)} imports {target}")
    assert offences == []
