"""Texts that people read, keyed by language, with English as the fallback."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class Text:
    """A text in one or more languages; ``en`` is always present."""

    translations: dict[str, str] = field(default_factory=dict)

    def get(self, language: str | None = None) -> str:
        if language and language in self.translations:
            return self.translations[language]
        return self.translations.get(DEFAULT_LANGUAGE, "")

    def __str__(self) -> str:
        return self.get()

    def __bool__(self) -> bool:
        return bool(self.get())

