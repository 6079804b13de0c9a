"""Asking before an irreversible or wide action, with or without JavaScript.

A button for such an action (open or close a round, deactivate an account, approve or
return a response) posts its form as usual. Without ``confirmed=yes`` in the post the
view answers with a confirmation page instead of acting: what will happen, what to watch
out for, and the same form again (every field carried) with a "Yes, ..." button that
adds the confirmation. Nothing changes until that second post, so a stray click, a
replayed request or a page without scripts can never act at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from flask import render_template, request

CONFIRM_FIELD = "confirmed"
CONFIRM_VALUE = "yes"


def confirmed() -> bool:
    """Whether this post carries the person's confirmation."""
    return request.form.get(CONFIRM_FIELD) == CONFIRM_VALUE


@dataclass
class Confirmation:
    """What the confirmation page says and where its "Yes" button posts."""

    title: str
    action: str                      # the URL the form posts to (the same view)
    button: str                      # "Yes, approve"
    cancel: str                      # where "Cancel" goes back to
    consequences: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (text, URL) beside the warnings
    quote: tuple[str, str] | None = None                         # (label, text) shown as typed
    carry: Mapping[str, str] = field(default_factory=dict)       # fields posted again
    danger: bool = False

    def render(self):
        return render_template("confirm.html", confirm=self, field=CONFIRM_FIELD,
                               value=CONFIRM_VALUE)


def carried(names: Iterable[str]) -> dict[str, str]:
    """The named fields of this post, to post again with the confirmation."""
    return {name: request.form.get(name, "") for name in names}
