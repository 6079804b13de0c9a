"""The e-mail preference form: one choice (immediately, digest, none) per kind."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from ..models import Delivery, NotificationKind
from .services import DELIVERY_LABELS, KIND_LABELS


class PreferencesForm(FlaskForm):
    save = SubmitField(_l("Save my choices"))

    def kind_fields(self) -> list[RadioField]:
        return [field for field in self if isinstance(field, RadioField)]

    def choices(self) -> dict[NotificationKind, Delivery]:
        return {NotificationKind(f.name): Delivery(f.data) for f in self.kind_fields()}


def preferences_form(kinds: Sequence[NotificationKind], current: dict[NotificationKind, Delivery],
                     **kwargs) -> PreferencesForm:
    """A form for these kinds, showing ``current`` until the person posts their own."""
    class Form(PreferencesForm):
        pass

    for kind in kinds:
        setattr(Form, kind.value, RadioField(
            KIND_LABELS[kind], choices=[SelectChoice(d.value, DELIVERY_LABELS[d]) for d in Delivery],
            default=current[kind].value, validators=[InputRequired()]))
    return Form(**kwargs)
