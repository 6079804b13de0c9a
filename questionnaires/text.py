"""Texts that people read, keyed by language, with English as the fallback."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_LANGUAGE = "en"
# Languages written right to left (pages in them are mirrored).
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur"})


def base_language(language: str | None) -> str:
    """The language of a tag without its script or region: "zh-Hans-CN" → "zh", "AR" → "ar"."""
    return (language or DEFAULT_LANGUAGE).replace("-", "_").split("_")[0].lower()


def typing_direction(language: str | None) -> dict[str, str]:
    """What a box people type free text into says about direction: on a left-to-right page,
    ``dir="auto"`` so Arabic typed there reads right to left; on a right-to-left page, nothing
    (an empty box keeps the page's direction, where ``auto`` would turn it left to right)."""
    return {} if base_language(language) in RIGHT_TO_LEFT else {"dir": "auto"}


@dataclass(frozen=True)
class Text:
    """A text in one or more languages; ``en`` is always present.

    ``drafts`` names the languages whose text is a draft translation (not yet checked by
    a native-speaking official); pages mark those discreetly.
    """

    translations: dict[str, str] = field(default_factory=dict)
    drafts: frozenset[str] = frozenset()

    def get(self, language: str | None = None) -> str:
        if language and language in self.translations:
            return self.translations[language]
        return self.translations.get(DEFAULT_LANGUAGE, "")

    def is_translated(self, language: str | None) -> bool:
        """Is there a text in ``language`` itself (not the English fallback)?"""
        return bool(language) and language != DEFAULT_LANGUAGE and language in self.translations

    def is_draft(self, language: str | None) -> bool:
        return bool(language) and language in self.drafts

    def __str__(self) -> str:
        return self.get()

    def __bool__(self) -> bool:
        return bool(self.get())
