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
