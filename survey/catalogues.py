"""The interface's message catalogues: the languages shipped, which of them are drafts, and
compiling ``.po`` into ``.mo`` when a catalogue changed.

The ``.mo`` files are not kept in git (binary files conflict on every merge and drift from the
``.po`` they come from). ``make run``, ``make test`` and ``make compile-catalogues`` compile
them; and in case the app starts another way (``pip install`` then ``survey run``, gunicorn),
``ensure_compiled`` compiles any missing or stale one at start-up — a few milliseconds — so a
fresh clone shows every shipped language with no extra step.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

TRANSLATIONS = Path(__file__).parent / "translations"
STATUS_FILE = TRANSLATIONS / "status.yaml"

log = logging.getLogger(__name__)


def catalogue_files() -> list[Path]:
    return sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))


def stale(po: Path) -> bool:
    mo = po.with_suffix(".mo")
    return not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime


def compile_catalogue(po: Path) -> Path:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        catalogue = read_po(handle, locale=po.parent.parent.name)
    mo = po.with_suffix(".mo")
    tmp = mo.with_suffix(".mo.tmp")
    with tmp.open("wb") as handle:
        write_mo(handle, catalogue, use_fuzzy=False)
    tmp.replace(mo)
    return mo


def ensure_compiled() -> None:
    """Compile every catalogue whose ``.mo`` is missing or older than its ``.po``."""
    for po in catalogue_files():
        if stale(po):
            try:
                compile_catalogue(po)
            except OSError as exc:  # a read-only install: say so, English still works
                log.warning("could not compile %s: %s", po, exc)


@lru_cache(maxsize=1)
def draft_languages() -> frozenset[str]:
    """Languages whose interface translation no native-speaking official has checked yet."""
    import yaml

    if not STATUS_FILE.exists():
        return frozenset()
    status = yaml.safe_load(STATUS_FILE.read_text(encoding="utf-8")) or {}
    return frozenset(code for code, entry in status.items()
                     if (entry or {}).get("status", "draft") != "checked")
