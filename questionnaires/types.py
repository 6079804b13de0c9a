"""The registry of question types.

A question type is the only thing that knows a type: it builds its form fields
(plain WTForms, no Flask), reads and normalises a value, displays it, scores it,
gives its spreadsheet value and number format, says whether it is a number or a
quantity worth totalling, describes its scoring for the codebook, writes the notes
shown beside the question and the data attributes the page's script reads. The
app, the exports and the profiles ask the type; none of them names one. Adding a
question type is adding one class decorated with ``@register``.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Callable, Mapping
from decimal import Decimal as _Number
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from babel.numbers import list_currencies
from wtforms import fields, widgets
from wtforms.fields.choices import SelectChoice

from .conditions import is_answered
from .numbers import (
    MESSAGES,
    Ambiguous,
    Choice,
    Understood,
    format_number,
    parse_machine_number,
    parse_number,
)
from .text import Text, typing_direction

if TYPE_CHECKING:
    from .definition import Question

NOT_APPLICABLE = "not_applicable"
UNKNOWN = "unknown"
SPECIAL_CODES = (NOT_APPLICABLE, UNKNOWN)

# The texts every questionnaire shares (answers such as Yes or Unknown, the parts of a
# legal reference or a statistical year), in each shipped language: drafts, like the
# bundled translations; English is authoritative.
BUILTIN_TRANSLATIONS: dict[str, dict[str, str]] = {
    "%(year)s methodology": {
        "fr": "méthodologie de %(year)s",
        "id": "metodologi %(year)s",
        "th": "ระเบียบวิธีปี %(year)s",
        "vi": "phương pháp luận %(year)s",
        "zh_Hans": "%(year)s年方法",
        "ar": "منهجية %(year)s",
    },
    "Compliant": {
        "fr": "Conforme",
        "id": "Patuh",
        "th": "สอดคล้อง",
        "vi": "Tuân thủ",
        "zh_Hans": "合规",
        "ar": "ملتزم",
    },
    "Largely compliant": {
        "fr": "En grande partie conforme",
        "id": "Sebagian besar patuh",
        "th": "สอดคล้องเป็นส่วนใหญ่",
        "vi": "Tuân thủ phần lớn",
        "zh_Hans": "大致合规",
        "ar": "ملتزم إلى حد كبير",
    },
    "Partially compliant": {
        "fr": "Partiellement conforme",
        "id": "Sebagian patuh",
        "th": "สอดคล้องบางส่วน",
        "vi": "Tuân thủ một phần",
        "zh_Hans": "部分合规",
        "ar": "ملتزم جزئيًا",
    },
    "Non-compliant": {
        "fr": "Non conforme",
        "id": "Tidak patuh",
        "th": "ไม่สอดคล้อง",
        "vi": "Không tuân thủ",
        "zh_Hans": "不合规",
        "ar": "غير ملتزم",
    },
    "Not applicable (N/A)": {
        "fr": "Non applicable (N/A)",
        "id": "Tidak berlaku (N/A)",
        "th": "ไม่เกี่ยวข้อง (N/A)",
        "vi": "Không áp dụng (N/A)",
        "zh_Hans": "不适用（N/A）",
        "ar": "لا ينطبق (N/A)",
    },
    "Not rated": {
        "fr": "Non noté",
        "id": "Tidak dinilai",
        "th": "ไม่ได้รับการประเมิน",
        "vi": "Không được đánh giá",
        "zh_Hans": "未评级",
        "ar": "غير مُقيَّم",
    },
    "High": {
        "fr": "Élevé",
        "id": "Tinggi",
        "th": "สูง",
        "vi": "Cao",
        "zh_Hans": "高",
        "ar": "مرتفع",
    },
    "Substantial": {
        "fr": "Significatif",
        "id": "Substansial",
        "th": "ค่อนข้างสูง",
        "vi": "Đáng kể",
        "zh_Hans": "较高",
        "ar": "جوهري",
    },
    "Moderate": {
        "fr": "Modéré",
        "id": "Moderat",
        "th": "ปานกลาง",
        "vi": "Trung bình",
        "zh_Hans": "中等",
        "ar": "متوسط",
    },
    "Low": {
        "fr": "Faible",
        "id": "Rendah",
        "th": "ต่ำ",
        "vi": "Thấp",
        "zh_Hans": "低",
        "ar": "منخفض",
    },
    "Rating": {
        "fr": "Notation",
        "id": "Peringkat",
        "th": "ผลการประเมิน",
        "vi": "Xếp hạng",
        "zh_Hans": "评级",
        "ar": "التصنيف",
    },
    "Methodology": {
        "fr": "Méthodologie",
        "id": "Metodologi",
        "th": "ระเบียบวิธี",
        "vi": "Phương pháp luận",
        "zh_Hans": "方法",
        "ar": "المنهجية",
    },
    "Not applicable": {
        "fr": "Sans objet",
        "id": "Tidak berlaku",
        "th": "ไม่เกี่ยวข้อง",
        "vi": "Không áp dụng",
        "zh_Hans": "不适用",
        "ar": "لا ينطبق",
    },
    "Unknown / no data": {
        "fr": "Inconnu / pas de données",
        "id": "Tidak diketahui / tidak ada data",
        "th": "ไม่ทราบ / ไม่มีข้อมูล",
        "vi": "Không rõ / không có dữ liệu",
        "zh_Hans": "未知 / 无数据",
        "ar": "غير معروف / لا توجد بيانات",
    },
    "Yes": {
        "fr": "Oui",
        "id": "Ya",
        "th": "ใช่",
        "vi": "Có",
        "zh_Hans": "是",
        "ar": "نعم",
    },
    "Partly": {
        "fr": "En partie",
        "id": "Sebagian",
        "th": "บางส่วน",
        "vi": "Một phần",
        "zh_Hans": "部分",
        "ar": "جزئيًا",
    },
    "No": {
        "fr": "Non",
        "id": "Tidak",
        "th": "ไม่ใช่",
        "vi": "Không",
        "zh_Hans": "否",
        "ar": "لا",
    },
    "Law or instrument": {
        "fr": "Loi ou instrument",
        "id": "Undang-undang atau instrumen",
        "th": "กฎหมายหรือตราสาร",
        "vi": "Luật hoặc văn bản",
        "zh_Hans": "法律或文书",
        "ar": "القانون أو الصك",
    },
    "Article or section": {
        "fr": "Article ou section",
        "id": "Pasal atau bagian",
        "th": "มาตราหรือข้อ",
        "vi": "Điều hoặc khoản",
        "zh_Hans": "条或款",
        "ar": "المادة أو القسم",
    },
    "Year": {
        "fr": "Année",
        "id": "Tahun",
        "th": "ปี",
        "vi": "Năm",
        "zh_Hans": "年份",
        "ar": "السنة",
    },
    "Link (optional)": {
        "fr": "Lien (facultatif)",
        "id": "Tautan (opsional)",
        "th": "ลิงก์ (ไม่บังคับ)",
        "vi": "Liên kết (không bắt buộc)",
        "zh_Hans": "链接（可选）",
        "ar": "الرابط (اختياري)",
    },
    "Or answer": {
        "fr": "Ou répondre",
        "id": "Atau jawab",
        "th": "หรือตอบว่า",
        "vi": "Hoặc trả lời",
        "zh_Hans": "或回答",
        "ar": "أو أجب",
    },
    "(a value above)": {
        "fr": "(une valeur ci-dessus)",
        "id": "(nilai di atas)",
        "th": "(ค่าข้างต้น)",
        "vi": "(một giá trị ở trên)",
        "zh_Hans": "（上方的数值）",
        "ar": "(قيمة أعلاه)",
    },
    "Calendar year": {
        "fr": "Année civile",
        "id": "Tahun kalender",
        "th": "ปีปฏิทิน",
        "vi": "Năm dương lịch",
        "zh_Hans": "日历年",
        "ar": "السنة الميلادية",
    },
    "Financial year": {
        "fr": "Exercice financier",
        "id": "Tahun anggaran",
        "th": "ปีงบประมาณ",
        "vi": "Năm tài chính",
        "zh_Hans": "财政年度",
        "ar": "السنة المالية",
    },
    "Judicial year": {
        "fr": "Année judiciaire",
        "id": "Tahun peradilan",
        "th": "ปีตุลาการ",
        "vi": "Năm tư pháp",
        "zh_Hans": "司法年度",
        "ar": "السنة القضائية",
    },
    "Other 12-month period": {
        "fr": "Autre période de 12 mois",
        "id": "Periode 12 bulan lainnya",
        "th": "ช่วง 12 เดือนอื่น",
        "vi": "Khoảng 12 tháng khác",
        "zh_Hans": "其他 12 个月期间",
        "ar": "فترة أخرى من 12 شهرًا",
    },
    "Kind of year": {
        "fr": "Type d'année",
        "id": "Jenis tahun",
        "th": "ประเภทของปี",
        "vi": "Loại năm",
        "zh_Hans": "年度类型",
        "ar": "نوع السنة",
    },
    "First month (YYYY-MM)": {
        "fr": "Premier mois (AAAA-MM)",
        "id": "Bulan pertama (YYYY-MM)",
        "th": "เดือนแรก (YYYY-MM)",
        "vi": "Tháng đầu tiên (YYYY-MM)",
        "zh_Hans": "第一个月（YYYY-MM）",
        "ar": "الشهر الأول (YYYY-MM)",
    },
    "Last month (YYYY-MM)": {
        "fr": "Dernier mois (AAAA-MM)",
        "id": "Bulan terakhir (YYYY-MM)",
        "th": "เดือนสุดท้าย (YYYY-MM)",
        "vi": "Tháng cuối cùng (YYYY-MM)",
        "zh_Hans": "最后一个月（YYYY-MM）",
        "ar": "الشهر الأخير (YYYY-MM)",
    },
    "YYYY-MM, for example 2024-07": {
        "fr": "AAAA-MM, par exemple 2024-07",
        "id": "YYYY-MM, misalnya 2024-07",
        "th": "YYYY-MM เช่น 2024-07",
        "vi": "YYYY-MM, ví dụ 2024-07",
        "zh_Hans": "YYYY-MM，例如 2024-07",
        "ar": "YYYY-MM، مثل 2024-07",
    },
}


def _builtin(english: str) -> Text:
    return Text({"en": english, **BUILTIN_TRANSLATIONS.get(english, {})})


BUILTIN_TEXT = {
    NOT_APPLICABLE: _builtin("Not applicable"),
    UNKNOWN: _builtin("Unknown / no data"),
    "yes": _builtin("Yes"),
    "partial": _builtin("Partly"),
    "no": _builtin("No"),
    "instrument": _builtin("Law or instrument"),
    "article": _builtin("Article or section"),
    "year": _builtin("Year"),
    "url": _builtin("Link (optional)"),
    "special": _builtin("Or answer"),
    "none": _builtin("(a value above)"),
}

REGISTRY: dict[str, type[QuestionType]] = {}


READING_SUFFIX = "__reading"  # the reading a person picked for an ambiguous typed number


class AnswerError(ValueError):
    """A value that does not fit its question; the message is for the person typing.

    ``template`` and ``params``, when given, let the app translate the message:
    ``message == template % params`` in English.
    """

    def __init__(self, message: str, *, template: str | None = None,
                 params: Mapping[str, Any] | None = None):
        super().__init__(message)
        self.template = template
        self.params = dict(params or {})


class AnswerAmbiguous(AnswerError):
    """Typed text the person's language does not settle: the page asks which was meant.

    ``choices`` are the parser's readings (:class:`questionnaires.numbers.Choice`); the
    pick comes back in the ``<question id>__reading`` field as the choice's ``machine``
    form, and the same text is read again with it. Nothing is stored until then.
    """

    def __init__(self, message: str, choices: tuple[Choice, ...], *, text: str = "",
                 template: str | None = None, params: Mapping[str, Any] | None = None):
        super().__init__(message, template=template, params=params)
        self.choices = choices
        self.text = text


class AnswerWarning(NamedTuple):
    """A soft problem with an answer: saved, but it must be confirmed before submission.

    ``id`` is stable for the same rule and questions (the app records confirmations by
    it); ``values`` are the answers it was raised on, so a confirmation is reset when any
    of them changes. ``message`` is in English (or the definition's text).
    """

    id: str
    question_ids: tuple[str, ...]
    message: str
    params: Mapping[str, Any]
    values: tuple = ()


class Normalised(NamedTuple):
    """A normalised answer and the warnings it raises (empty when there are none)."""

    value: Any
    warnings: tuple[AnswerWarning, ...] = ()


class Note(NamedTuple):
    """A line of guidance shown beside a question.

    ``message`` is interface text in English with ``%(name)s`` placeholders: the app
    translates it (Flask-Babel's ``gettext``) and fills in ``params``, which are
    already in the reader's language. Messages are marked with :func:`N_` so the
    translation catalogue can collect them from this file.
    """

    message: str
    params: Mapping[str, Any]


class WorkbookCell(NamedTuple):
    """One answer cell of a question in the answer workbook.

    ``exports.answer_workbook`` writes it (label beside it, Excel data validation from
    ``rule``) and ``questionnaires.answer_workbook`` reads it back; neither names a type.
    ``key`` is ``""`` for a question's lone answer cell, else a part name, an option code
    (one tick cell per option) or :data:`SPECIAL_PART`. ``rule`` is ``list`` (one of
    ``choices``), ``tick``, ``whole``, ``decimal`` or ``text``.
    """

    key: str
    label: Text | None
    rule: str
    choices: tuple[tuple[str, Text], ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    number_format: str | None = None
    hint: Text | None = None


SPECIAL_PART = "__special"
TICK = "x"  # what a tick cell holds when ticked (any other mark is read as a tick too)
# Reads a number from a cell: (raw cell value, whole number?) -> int or float; AnswerError.
CellNumber = Callable[[Any, bool], "int | float"]


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Mark interface text for the catalogue without translating it here."""
    return message


def register(cls: type[QuestionType]) -> type[QuestionType]:
    REGISTRY[cls.name] = cls
    return cls


def question_type(name: str) -> QuestionType:
    """The type object for ``name`` (types hold no state: one object serves every question)."""
    cls = REGISTRY[name]
    kind = _INSTANCES.get(cls)
    if kind is None:
        kind = _INSTANCES[cls] = cls()
    return kind


_INSTANCES: dict[type, QuestionType] = {}


def special_label(code: str, language: str | None = None) -> str:
    return BUILTIN_TEXT[code].get(language)


class QuestionType:
    """Base class: one answer per question, stored as JSON-friendly data."""

    name: ClassVar[str]
    scored: ClassVar[bool] = False  # can this type carry points at all?
    numeric: ClassVar[bool] = False  # the answer is a number (conditions may compare it)
    # A measured amount: on the Counts sheet with regional medians (a year is a number,
    # not an amount). ``summable``: totals mean something (a sum of percentages does not).
    quantity: ClassVar[bool] = False
    summable: ClassVar[bool] = False
    cell_format: ClassVar[str | None] = None  # Excel number format of its numeric cells
    citation: ClassVar[bool] = False  # the answer names the law behind the answers around it
    computed: ClassVar[bool] = False  # worked out from other answers, never asked (format 2)
    public_by_default: ClassVar[bool] = False  # visibility when the question does not say
    format: ClassVar[int] = 1  # the definition format that introduced the type
    extra_keys: ClassVar[frozenset[str]] = frozenset()

    # -- what the page's script reads --------------------------------------------
    @property
    def value_kind(self) -> str:
        """How the browser reads the answer for skip logic: number, choice, choices,
        parts or text (``answering.js`` knows these shapes, never the type names)."""
        return "number" if self.numeric else "text"

    def browser_attributes(self, question: Question) -> dict[str, str]:
        """Data attributes on the question's block, for the page's script."""
        return {"data-value-kind": self.value_kind}

    def notes(self, question: Question, language: str | None = None) -> list[Note]:
        """Guidance shown under the question's help (units, limits, what to cite)."""
        return []

    # -- definition checks ---------------------------------------------------
    def check_definition(self, question: Question) -> list[str]:
        """Problems with the type-specific settings of ``question``."""
        return []

    # -- forms ---------------------------------------------------------------
    def field_names(self, question: Question) -> list[str]:
        names = [question.id]
        if self._separate_special(question):
            names.append(question.id + "__special")
        return names

    def build_fields(self, question: Question, language: str | None,
                     member: Mapping[str, Any] | None = None) -> dict[str, Any]:
        label = question.label.get(language)
        built = {question.id: self._main_field(question, label, language)}
        if self._separate_special(question):
            built[question.id + "__special"] = fields.RadioField(
                BUILTIN_TEXT["special"].get(language),
                choices=[SelectChoice("", BUILTIN_TEXT["none"].get(language))]
                + [SelectChoice(c, special_label(c, language)) for c in question.special_codes],
                validate_choice=False, default="")
        return built

    def _separate_special(self, question: Question) -> bool:
        return bool(question.special_codes)

    def _main_field(self, question: Question, label: str, language: str | None):
        return fields.StringField(label)

    def read_form(self, question: Question, data: Mapping[str, Any], locale: str = "en") -> Any:
        """The value a person entered, normalised; ``None`` when left empty.

        ``locale`` is the person's (a code such as ``"fr"`` or ``"de_CH"``): types that
        read typed numbers read them by its rules (see :mod:`questionnaires.numbers`).
        """
        special = _text(data.get(question.id + "__special"))
        if special:
            return self.normalise(question, special)
        raw = data.get(question.id)
        if isinstance(raw, str):
            raw = raw.strip()
        if raw in (None, "", []):
            return None
        return self.normalise(question, raw)

    def form_data(self, question: Question, value: Any, locale: str | None = None
                  ) -> dict[str, Any]:
        """Form field data that shows ``value`` (numbers written the ``locale``'s way)."""
        value = self.readable(question, value)
        if value in SPECIAL_CODES and self._separate_special(question):
            return {question.id: "", question.id + "__special": value}
        out = {question.id: "" if value is None else self._to_form(value)}
        if self._separate_special(question):
            out[question.id + "__special"] = ""
        return out

    def _to_form(self, value: Any) -> Any:
        return str(value)

    # -- values --------------------------------------------------------------
    def normalise(self, question: Question, value: Any) -> Any:
        """Check ``value`` against the question and return its canonical form.

        An empty value of any shape (``None``, blank text, an empty list, a citation with
        every part blank) is "no answer" and normalises to ``None`` for every type, so a
        cleared answer is stored one way only (SQL NULL) and readers meet ``None`` only.
        """
        if not is_answered(value):
            return None
        if isinstance(value, str) and value in SPECIAL_CODES:
            if value not in question.special_codes:
                raise AnswerError(f"“{special_label(value)}” is not offered for this question.")
            return value
        return self._normalise(question, value)

    def _normalise(self, question: Question, value: Any) -> Any:
        raise AnswerError("This value cannot be read.")

    def warnings(self, question: Question, value: Any) -> list[AnswerWarning]:
        """Soft warnings about a normalised, real (non-special) value."""
        return []

    def assess(self, question: Question, value: Any, member: Mapping[str, Any] | None = None,
               reference_year: int | None = None) -> Normalised:
        """``normalise`` plus the warnings the value raises (refusals raise AnswerError).

        With ``member``, an option not offered to that member is refused; with
        ``reference_year``, a statistical year that does not end in it is a warning.
        """
        value = self.normalise(question, value)
        if value is None or value in SPECIAL_CODES:
            return Normalised(value)
        if member is not None:
            self.check_offered(question, value, member)
        found = self.warnings(question, value)
        if reference_year is not None:
            found = found + self.period_warnings(question, value, reference_year)
        return Normalised(value, tuple(found))

    def check_offered(self, question: Question, value: Any, member: Mapping[str, Any]) -> None:
        return None

    def period_warnings(self, question: Question, value: Any, reference_year: int) -> list:
        return []

    def readable(self, question: Question, value: Any) -> Any:
        """``value`` in its canonical shape, or ``None`` when this type cannot read it.

        For readers of stored values (pages, exports, the audit trail's old values): they
        show what they can and never fail on a shape written by an older version.
        """
        try:
            return self.normalise(question, value)
        except AnswerError:
            return None

    def display(self, question: Question, value: Any, language: str | None = None,
                locale: str | None = None) -> str:
        """The answer as a person reads it; with ``locale``, numbers are written by that
        locale's rules (the ones ``questionnaires.numbers`` reads typed numbers by)."""
        value = self.readable(question, value)
        if value is None:
            return ""
        if value in SPECIAL_CODES:
            return special_label(value, language)
        if locale is not None:
            shown = self.localised(question, value, language, locale)
            if shown is not None:
                return shown
        return self._display(question, value, language)

    def localised(self, question: Question, value: Any, language: str | None,
                  locale: str) -> str | None:
        """``display`` by a locale's number rules; ``None`` for answers that are not numbers."""
        return None

    def _display(self, question: Question, value: Any, language: str | None) -> str:
        return str(value)

    def formatted(self, question: Question, value: Any, locale: str) -> str | None:
        """A stored number written the ``locale``'s way ("Saved as 1 500 000,5" beside the
        field); ``None`` for answers that are not numbers."""
        return None

    # -- scoring -------------------------------------------------------------
    def is_scored(self, question: Question) -> bool:
        """Can this question earn points, given its settings (bands, option points)?"""
        return self.scored

    def points(self, question: Question, value: Any) -> float | None:
        """Score of a real (non-special) value, 0..1; ``None`` if unscored."""
        return None

    def scoring_terms(self, question: Question) -> list[str]:
        """How answers earn points, in words, for the codebook."""
        return []

    def options(self, question: Question) -> list[tuple[str, Text, float | None]]:
        """The offered answers (code, label, points); none for a type without options."""
        return []

    def option_codes(self, question: Question) -> list[str]:
        return [code for code, _, _ in self.options(question)]

    def number(self, question: Question, value: Any) -> float | None:
        """The numeric reading of a value, for tidy data and statistics."""
        return None

    def cell(self, question: Question, value: Any, language: str | None = None) -> Any:
        """The value for a spreadsheet cell: a number where it is one, else text."""
        if value is None:
            return None
        if value in SPECIAL_CODES:
            return special_label(value, language)
        number = self.number(question, value)
        if number is not None:
            return number
        return self.display(question, value, language)

    def codes(self, question: Question, value: Any) -> str | None:
        """Machine code of a value for tidy data (option codes, joined)."""
        return None

    # -- XLSForm (exports/xlsform.py writes, questionnaires/xlsform.py reads) ---------
    xlsform_base: ClassVar[str] = "text"  # the XLSForm type of its row
    xlsform_appearance: ClassVar[str | None] = None
    # The XLSForm (type, appearance) read back as this type when a row names no bali_type.
    xlsform_origin: ClassVar[tuple[str, str | None] | None] = None

    def xlsform_type(self, question: Question) -> str:
        return self.xlsform_base

    def xlsform_rows(self, question: Question, relevant: str | None,
                     required: str | None) -> list[dict[str, Any]]:
        """The survey-sheet rows of ``question`` (labels and hints as :class:`Text`)."""
        return [{"type": self.xlsform_type(question), "name": question.id,
                 "label": question.label, "hint": question.help, "relevant": relevant,
                 "required": required, "appearance": self.xlsform_appearance,
                 "constraint": " and ".join(self.xlsform_constraints(question)) or None}]

    def xlsform_choices(self, question: Question) -> list[tuple[str, Text, float | None]]:
        """Its choice list (code, label, explicit points); none for a type without one."""
        return []

    def xlsform_choice_lists(self, question: Question
                             ) -> list[tuple[str, str, Text, float | None]]:
        """Its choice rows as (list name, code, label, explicit points): the question's own
        list, named after it; a question of several parts may have a list per part."""
        return [(question.id, code, label, points)
                for code, label, points in self.xlsform_choices(question)]

    def xlsform_constraints(self, question: Question) -> list[str]:
        """XLSForm constraint terms (joined with ``and``) for its own limits."""
        return []

    def xlsform_answer(self, question: Question) -> str:
        """The name of the XLSForm field that holds the answer conditions read."""
        return question.id

    def xlsform_compare(self, question: Question, op: str, operand: Any) -> str:
        """A condition on this question's answer as an XLSForm expression. An unanswered
        question compares false, as in the engine, hence the ``!= ''`` guards."""
        ref = "${" + self.xlsform_answer(question) + "}"
        values = operand if isinstance(operand, (list, tuple)) else (operand,)
        if op == "answered":
            return f"{ref} != ''" if operand else f"{ref} = ''"
        if op == "includes":
            return f"selected({ref}, {xpath_literal(operand)})"
        if op in ("equals", "in"):
            return _xpath_any([f"{ref} = {xpath_literal(v)}" for v in values])
        if op in ("not_equals", "not_in"):
            return "(" + " and ".join([f"{ref} != ''"] + [f"{ref} != {xpath_literal(v)}"
                                                          for v in values]) + ")"
        symbol = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[op]
        return f"{ref} {symbol} {xpath_literal(operand)}"

    def xlsform_settings(self, terms: list[tuple[str, Any]]) -> tuple[dict[str, Any], list[str]]:
        """Definition settings from the constraint terms of an XLSForm row
        (``("gte", 0)``, ``("lte", 10)``, ``("max_length", 300)``, ``("exclusive", code)``),
        and the terms this type cannot hold."""
        settings: dict[str, Any] = {}
        refused = []
        for term, value in terms:
            key = {"gte": "min", "lte": "max", "max_length": "max_length"}.get(term)
            if key in self.extra_keys:
                settings[key] = value
            else:
                refused.append(term)
        return settings, refused


    # -- the answer workbook (exports/answer_workbook.py writes, .answer_workbook reads) ------
    def workbook_cells(self, question: Question) -> list[WorkbookCell]:
        """The answer cells of ``question``, in the order they are shown."""
        if question.computed:
            return []
        cells = self._workbook_main(question)
        if self._separate_special(question):
            cells.append(WorkbookCell(SPECIAL_PART, BUILTIN_TEXT["special"], "list",
                                      tuple((c, BUILTIN_TEXT[c]) for c in question.special_codes)))
        return cells

    def _workbook_main(self, question: Question) -> list[WorkbookCell]:
        return [WorkbookCell("", None, "text", number_format="@")]

    def workbook_prefill(self, question: Question, value: Any,
                         language: str | None = None) -> dict[str, Any]:
        """Cell values (by cell key) that show a stored ``value``."""
        value = self.readable(question, value)
        if value is None:
            return {}
        if value in SPECIAL_CODES and self._separate_special(question):
            return {SPECIAL_PART: special_label(value, language)}
        return self._workbook_prefill(question, value, language)

    def _workbook_prefill(self, question: Question, value: Any, language: str | None
                          ) -> dict[str, Any]:
        return {"": self._to_form(value)}

    def workbook_read(self, question: Question, cells: Mapping[str, Any],
                      number: CellNumber) -> Any:
        """The raw answer in ``cells`` (cell key -> cell value), for :meth:`normalise`;
        ``None`` when every cell is blank. ``number`` reads a numeric cell."""
        special = cells.get(SPECIAL_PART)
        if _blank(special) is False:
            codes = tuple((c, BUILTIN_TEXT[c]) for c in question.special_codes)
            return pick_choice(codes, special)
        return self._workbook_read(question, cells, number)

    def _workbook_read(self, question: Question, cells: Mapping[str, Any],
                       number: CellNumber) -> Any:
        raw = cells.get("")
        return None if _blank(raw) else cell_text(raw)

def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    """A cell's value as text: a whole number without ``.0`` (a spreadsheet may have
    stored typed digits as a number), a date as YYYY-MM-DD."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    return str(value).strip() if isinstance(value, str) else str(value)


def pick_choice(choices: tuple[tuple[str, Text], ...], raw: Any) -> str:
    """The code of the choice a cell names: by its label in any language, or its code."""
    wanted = cell_text(raw).casefold()
    for code, label in choices:
        if wanted == code.casefold() or any(wanted == t.strip().casefold()
                                            for t in label.translations.values()):
            return code
    shown = ", ".join(f"“{label.get()}”" for _, label in choices)
    raise AnswerError(f"“{cell_text(raw)}” is not one of the offered answers ({shown}).")


def is_ticked(raw: Any) -> bool:
    """A tick cell counts as ticked when it holds any mark but a blank, 0 or "no"."""
    if _blank(raw) or raw is False:
        return False
    if isinstance(raw, (int, float)):
        return raw != 0
    return cell_text(raw).casefold() not in ("0", "no", "false", "non", "faux")


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def xpath_literal(value: Any) -> str:
    """A value as an XLSForm (XPath) literal."""
    if isinstance(value, bool):
        return "true()" if value else "false()"
    if isinstance(value, (int, float)):
        return _fmt(value)
    text = str(value)
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    raise ValueError(f"{text!r} holds both kinds of quote; XPath cannot write it")


def _xlsform_part(kind: str, name: str, label: Text, required: str | None,
                  constraint: str | None = None) -> dict[str, Any]:
    """A survey row for one part of a question written as a group of parts."""
    return {"type": kind, "name": name, "label": label, "hint": None, "relevant": None,
            "required": required, "appearance": None, "constraint": constraint}


def _xlsform_group(question: Question, relevant: str | None, parts: list[dict[str, Any]]
                   ) -> list[dict[str, Any]]:
    return ([{"type": "begin_group", "name": question.id, "label": question.label,
              "hint": question.help, "relevant": relevant, "required": None,
              "appearance": None, "constraint": None}] + parts + [{"type": "end_group"}])


def _xpath_any(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else "(" + " or ".join(parts) + ")"


class _ChoiceBase(QuestionType):
    scored = True
    value_kind = "choice"
    public_by_default = True

    def options(self, question: Question) -> list[tuple[str, Text, float | None]]:
        return [(o.code, o.label, o.points) for o in question.options]

    def is_scored(self, question: Question) -> bool:
        return any(pts is not None for _, _, pts in self.options(question))

    def scoring_terms(self, question: Question) -> list[str]:
        shown = [f"{code} = {pts:g}" for code, _, pts in self.options(question) if pts is not None]
        return ["points: " + ", ".join(shown)] if shown else []

    def offered(self, question: Question, member: Mapping[str, Any] | None) -> list[str]:
        """Option codes shown to ``member`` (every code without a member)."""
        conditions = {o.code: o.offered_when for o in question.options}
        codes = [code for code in self.option_codes(question)
                 if member is None or conditions.get(code) is None
                 or conditions[code].holds(lambda _qid: None, member)]
        return codes or self.option_codes(question)

    def check_offered(self, question, value, member):
        if not question.options or not any(o.offered_when is not None for o in question.options):
            return
        offered = set(self.offered(question, member))
        chosen = value if isinstance(value, list) else [value]
        for code in chosen:
            if code not in offered:
                raise AnswerError(f"“{self.label_of(question, code, None)}” is not offered to "
                                  "your country or territory.")

    def option_index(self, question: Question) -> dict[str, tuple[Text, float | None]]:
        """``{code: (label, points)}``, made once per question (exports look up every answer)."""
        index = question.__dict__.get("_option_index")
        if index is None:
            index = {code: (label, pts) for code, label, pts in self.options(question)}
            question.__dict__["_option_index"] = index  # a Question never changes once read
        return index

    def label_of(self, question: Question, code: str, language: str | None) -> str:
        found = self.option_index(question).get(code)
        if found is not None:
            return found[0].get(language)
        return special_label(code, language) if code in SPECIAL_CODES else code

    # XLSForm: one choice list per question, named after it; special answers are choices.
    def xlsform_type(self, question: Question) -> str:
        return f"{self.xlsform_base} {question.id}"

    def xlsform_choices(self, question: Question) -> list[tuple[str, Text, float | None]]:
        return ([(o.code, o.label, o.points) for o in question.options]
                + [(code, BUILTIN_TEXT[code], None) for code in question.special_codes])

    # Answer workbook: one cell, a list of the labels (special answers are further labels).
    def _workbook_main(self, question):
        choices = tuple((c, label) for c, label, _ in self.options(question)) + tuple(
            (c, BUILTIN_TEXT[c]) for c in question.special_codes)
        return [WorkbookCell("", None, "list", choices)]

    def _workbook_prefill(self, question, value, language):
        return {"": self.label_of(question, value, language)}

    def _workbook_read(self, question, cells, number):
        raw = cells.get("")
        return None if _blank(raw) else pick_choice(self._workbook_main(question)[0].choices, raw)


class _SingleChoice(_ChoiceBase):
    xlsform_base = "select_one"  # XLSForm

    def _separate_special(self, question: Question) -> bool:
        return False  # special answers are offered as further options

    def build_fields(self, question, language, member=None):
        # Special answers are further options here, so the radio field is the only field.
        label = question.label.get(language)
        return {question.id: self._choices_field(question, label, language, member)}

    def _main_field(self, question, label, language):
        return self._choices_field(question, label, language, None)

    def _choices_field(self, question, label, language, member):
        offered = set(self.offered(question, member))
        choices = [SelectChoice(c, lab.get(language)) for c, lab, _ in self.options(question)
                   if c in offered]
        choices += [SelectChoice(c, special_label(c, language)) for c in question.special_codes]
        return fields.RadioField(label, choices=choices, validate_choice=False)

    def _normalise(self, question, value):
        if not isinstance(value, str) or value not in self.option_index(question):
            allowed = ", ".join(self.option_codes(question) + list(question.special_codes))
            raise AnswerError(f"Choose one of the offered answers ({allowed}).")
        return value

    def _display(self, question, value, language):
        return self.label_of(question, value, language)

    def points(self, question, value):
        found = self.option_index(question).get(value)
        return None if found is None else found[1]

    def codes(self, question, value):
        return value

    def check_definition(self, question):
        return _check_option_points(question)


def _check_option_points(question: Question) -> list[str]:
    problems = []
    for o in question.options:
        if o.points is not None and not 0 <= o.points <= 1:
            problems.append(f"option '{o.code}' has points {o.points}; points run from 0 to 1")
    return problems


class _FixedChoice(_SingleChoice):
    fixed: ClassVar[tuple[tuple[str, float], ...]] = ()

    def options(self, question):
        points = question.points or {}
        return [(code, BUILTIN_TEXT[code], float(points.get(code, default)))
                for code, default in self.fixed]

    def check_definition(self, question):
        problems = []
        known = {code for code, _ in self.fixed}
        for code, pts in (question.points or {}).items():
            if code not in known:
                problems.append(f"'points' names '{code}', which is not an answer of {self.name}")
            elif not isinstance(pts, (int, float)) or not 0 <= pts <= 1:
                problems.append(f"'points' for '{code}' must be a number from 0 to 1")
        return problems

    def xlsform_choices(self, question):  # XLSForm: the fixed answers, points only if set
        points = question.points or {}
        return ([(code, BUILTIN_TEXT[code], points.get(code)) for code, _ in self.fixed]
                + [(code, BUILTIN_TEXT[code], None) for code in question.special_codes])


@register
class YesNoPartial(_FixedChoice):
    name = "yes_no_partial"
    fixed = (("yes", 1.0), ("partial", 0.5), ("no", 0.0))
    extra_keys = frozenset({"points"})


@register
class YesNo(_FixedChoice):
    name = "yes_no"
    fixed = (("yes", 1.0), ("no", 0.0))
    extra_keys = frozenset({"points"})


@register
class SingleChoice(_SingleChoice):
    name = "single_choice"
    extra_keys = frozenset({"options"})

    xlsform_origin = ("select_one", None)


@register
class MultipleChoice(_ChoiceBase):
    name = "multiple_choice"
    value_kind = "choices"
    extra_keys = frozenset({"options", "max_points"})

    # XLSForm: a special answer, or an exclusive option, is the only one ticked.
    xlsform_base = "select_multiple"
    xlsform_origin = ("select_multiple", None)

    def xlsform_constraints(self, question):
        alone = list(question.special_codes) + [
            o.code for o in question.options if getattr(o, "exclusive", False)]
        return [f"(not(selected(., {xpath_literal(code)})) or count-selected(.) = 1)"
                for code in alone]

    def xlsform_compare(self, question, op, operand):
        if op not in ("equals", "in", "not_equals", "not_in"):
            return super().xlsform_compare(question, op, operand)
        ref = "${" + question.id + "}"
        ticked = [f"selected({ref}, {xpath_literal(v)})"
                  for v in (operand if isinstance(operand, (list, tuple)) else (operand,))]
        if op in ("equals", "in"):
            return _xpath_any(ticked)
        return "(" + " and ".join([f"{ref} != ''"] + [f"not({t})" for t in ticked]) + ")"

    def xlsform_settings(self, terms):
        settings, refused = {}, []
        for term, value in terms:
            if term != "exclusive":
                refused.append(term)
            elif value not in SPECIAL_CODES:  # special answers are alone anyway
                settings.setdefault("exclusive", []).append(value)
        return settings, refused

    # Answer workbook: a tick cell per option, and per special answer (ticked alone).
    def workbook_cells(self, question):
        return ([WorkbookCell(code, label, "tick") for code, label, _ in self.options(question)]
                + [WorkbookCell(code, BUILTIN_TEXT[code], "tick") for code in question.special_codes])

    def workbook_prefill(self, question, value, language=None):
        value = self.readable(question, value)
        if value is None:
            return {}
        return {code: TICK for code in ([value] if isinstance(value, str) else value)}

    def workbook_read(self, question, cells, number):
        ticked = [cell.key for cell in self.workbook_cells(question) if is_ticked(cells.get(cell.key))]
        special = [code for code in ticked if code in SPECIAL_CODES]
        if special and len(ticked) > 1:
            raise AnswerError(f"“{special_label(special[0])}” cannot be ticked together with "
                              "other answers.")
        return special[0] if special else (ticked or None)

    def scoring_terms(self, question):
        terms = super().scoring_terms(question)
        if question.max_points:
            terms.append(f"capped at {question.max_points:g}")
        return terms

    def _main_field(self, question, label, language):
        return fields.SelectMultipleField(
            label, choices=[SelectChoice(c, lab.get(language)) for c, lab, _ in self.options(question)],
            widget=widgets.ListWidget(prefix_label=False),
            option_widget=widgets.CheckboxInput(), validate_choice=False)

    def read_form(self, question, data, locale="en"):
        special = _text(data.get(question.id + "__special"))
        if special:
            return self.normalise(question, special)
        # Form data repeats the field once per ticked box; plain mappings give a list.
        raw = data.getlist(question.id) if hasattr(data, "getlist") else data.get(question.id)
        raw = [r for r in raw if r] if isinstance(raw, list) else raw
        if raw in (None, "", []):
            return None
        if isinstance(raw, str):
            raw = [raw]
        return self.normalise(question, list(raw))

    def _to_form(self, value):
        return list(value)

    def _normalise(self, question, value):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)):
            raise AnswerError("Tick one or more of the offered answers.")
        value = [v for v in value if is_answered(v)]  # blank entries are not choices
        codes = self.option_codes(question)
        unknown = [v for v in value if v not in codes]
        if unknown:
            raise AnswerError(f"“{unknown[0]}” is not one of the offered answers.")
        chosen = set(value)
        if len(chosen) > 1:
            for o in question.options:
                if o.exclusive and o.code in chosen:
                    raise AnswerError(f"“{o.label.get()}” cannot be ticked together with other "
                                      "answers.")
        return [c for c in codes if c in chosen] or None  # definition order, no repeats

    def _display(self, question, value, language):
        # Exports show every answer: the same ticked combinations recur, so each is joined once.
        shown = question.__dict__.setdefault("_shown_choices", {})
        key = (language, tuple(value))
        if key not in shown:
            shown[key] = "; ".join(self.label_of(question, c, language) for c in value)
        return shown[key]

    def cell(self, question, value, language=None):
        return None if value is None else self.display(question, value, language)

    def points(self, question, value):
        index = self.option_index(question)
        if all(pts is None for _label, pts in index.values()):
            return None
        total = sum(index[c][1] or 0.0 for c in value if c in index)
        cap = question.max_points or 1.0
        return min(total / cap, 1.0)

    def codes(self, question, value):
        return None if value is None else ";".join(value)

    def check_definition(self, question):
        problems = []
        if question.max_points is not None and question.max_points <= 0:
            problems.append("'max_points' must be above 0")
        for o in question.options:
            if o.exclusive and (o.points or 0) > 0:
                problems.append(f"option '{o.code}' is exclusive, so it cannot carry points above 0")
        return problems


def _parse_number(value: Any, integer: bool) -> float | int:
    """A number given by a program or a file (``int``, ``float``, ``Decimal``, or text in the
    one fixed form ``-1500000.5``): never read by anybody's language, so ``"1,5"`` is
    refused rather than guessed. Typed text goes through ``read_form`` instead."""
    if isinstance(value, bool):
        raise AnswerError("Enter a number.")
    result = parse_machine_number(value, integer=integer)
    if not isinstance(result, Understood):
        raise AnswerError(result.message, template=MESSAGES[result.code], params=result.params)
    return int(result.value) if integer else float(result.value)


def _currency_unit(question: Question) -> bool:
    """The question's (English) unit names a currency by its ISO code ("USD equivalent")."""
    unit = question.unit.get("en") if question.unit else ""
    return any(word in _ISO_CURRENCIES for word in re.findall(r"\b[A-Z]{3}\b", unit))


_ISO_CURRENCIES = frozenset(list_currencies())


class _NumberBase(QuestionType):
    scored = True
    numeric = True
    quantity = True
    summable = True
    cell_format = "#,##0.##"
    integer: ClassVar[bool] = False
    extra_keys = frozenset({"min", "max", "unit", "bands"})

    def is_scored(self, question):
        return self.scored and bool(question.bands)

    def scoring_terms(self, question):
        if not question.bands:
            return []
        bands = [f"up to {band.max:g} → {band.points:g}" if band.max is not None
                 else f"more → {band.points:g}" for band in question.bands]
        return ["bands: " + "; ".join(bands)]

    def notes(self, question, language=None):
        notes = []
        if question.unit:
            notes.append(Note(N_("Unit: %(unit)s."), {"unit": question.unit.get(language)}))
        notes += self._limit_notes(question)
        return notes

    def _limit_notes(self, question: Question) -> list[Note]:
        notes = []
        if question.min is not None:
            notes.append(Note(N_("At least %(n)s."), {"n": _fmt(question.min)}))
        if question.max is not None:
            notes.append(Note(N_("At most %(n)s."), {"n": _fmt(question.max)}))
        return notes

    def _main_field(self, question, label, language):
        kw = {"inputmode": "numeric" if self.integer else "decimal", "autocomplete": "off"}
        return fields.StringField(label, render_kw=kw)

    # -- typed numbers: read by the person's language, never guessed ---------------
    percent: ClassVar[bool] = False  # a percent sign may be typed (and is ignored)
    grouping: ClassVar[bool] = True  # shown with the language's thousands marks

    def decimal_places(self, question: Question) -> int | None:
        """Most digits a person may type after the decimal mark (``None``: any). An amount
        of money takes two, so "250.000" typed the continental way is asked about."""
        if self.integer:
            return 0
        return 2 if _currency_unit(question) else None

    def read_form(self, question, data, locale="en"):
        special = _text(data.get(question.id + "__special"))
        if special:
            return self.normalise(question, special)
        raw = data.get(question.id)
        if not isinstance(raw, str):  # a program's value: read by the fixed machine form
            return self.normalise(question, raw)
        if not raw.strip():
            return None
        if raw.strip() in SPECIAL_CODES:
            return self.normalise(question, raw.strip())
        chosen = _text(data.get(question.id + READING_SUFFIX)) or None
        return self.normalise(question, self.read_typed(question, raw, locale, chosen))

    def read_typed(self, question: Question, text: str, locale: str,
                   chosen: str | None = None) -> _Number:
        """The number in ``text`` as the ``locale`` writes numbers; refused (AnswerError)
        with how to type it, or asked about (AnswerAmbiguous) when the rules do not
        settle it and ``chosen`` names none of its readings."""
        result = parse_number(text, locale, integer=self.integer, percent=self.percent,
                              decimals=self.decimal_places(question), chosen=chosen)
        if isinstance(result, Understood):
            return result.value
        if isinstance(result, Ambiguous):
            raise AnswerAmbiguous(result.message, result.choices, text=text,
                                  template=MESSAGES[result.code], params=result.params)
        raise AnswerError(result.message, template=MESSAGES[result.code], params=result.params)

    def form_data(self, question, value, locale=None):
        out = super().form_data(question, value, locale)
        shown = self.formatted(question, value, locale, field=True) if locale else None
        if shown is not None:
            out[question.id] = shown
        return out

    def formatted(self, question, value, locale, *, field=False):
        value = self.readable(question, value)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        return format_number(value, locale, grouping=self.grouping,
                             percent=self.percent and not field)

    def localised(self, question, value, language, locale):
        shown = self.formatted(question, self.shown_value(value), locale)
        if shown is None:
            return None
        unit = question.unit.get(language) if question.unit else ""
        return f"{shown}{unit}" if unit == "%" else f"{shown} {unit}".strip()

    def shown_value(self, value: Any) -> Any:
        """The number as pages show it (a derived rate to one decimal)."""
        return value

    def bounds(self, question: Question) -> tuple[float | None, float | None]:
        return question.min, question.max

    # Answer workbook: a whole-number or decimal cell within the type's bounds.
    def _workbook_main(self, question):
        low, high = self.bounds(question)
        return [WorkbookCell("", None, "whole" if self.integer else "decimal", minimum=low,
                             maximum=high, number_format=self.cell_format)]

    def _workbook_prefill(self, question, value, language):
        return {"": value}

    def _workbook_read(self, question, cells, number):
        raw = cells.get("")
        return None if _blank(raw) else number(raw, self.integer)

    def _normalise(self, question, value):
        number = _parse_number(value, self.integer)
        low, high = self.bounds(question)
        if low is not None and number < low:
            raise AnswerError(f"Enter a number of at least {_fmt(low)}.")
        if high is not None and number > high:
            raise AnswerError(f"Enter a number no larger than {_fmt(high)}.")
        return number

    def _to_form(self, value):
        return _fmt(value) if isinstance(value, (int, float)) else str(value)

    def warnings(self, question: Question, value: Any) -> list[AnswerWarning]:
        """Soft-bound warnings for a normalised value (format 2 ``plausible_min/max``)."""
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return []
        low, high = question.plausible_min, question.plausible_max
        if high is not None and value > high:
            default = N_("This is unusually high for this question. Check the figure and "
                         "confirm it if it is correct.")
            return [_plausibility_warning(question, value, "high", default, high)]
        if low is not None and value < low:
            default = N_("This is unusually low for this question. Check the figure and "
                         "confirm it if it is correct.")
            return [_plausibility_warning(question, value, "low", default, low)]
        return []

    def _display(self, question, value, language):
        unit = question.unit.get(language) if question.unit else ""
        shown = f"{value:,}" if self.integer else f"{value:,.2f}".rstrip("0").rstrip(".")
        return f"{shown} {unit}".strip()

    def number(self, question, value):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        return None

    def points(self, question, value):
        if not question.bands:
            return None
        for band in question.bands:
            if band.max is None or value <= band.max:
                return band.points
        return None

    # XLSForm: explicit bounds as a constraint; a whole number is above n from n + 1.
    def xlsform_constraints(self, question):
        low, high = question.min, question.max
        return ([f". >= {_fmt(low)}"] if low is not None else []) + (
            [f". <= {_fmt(high)}"] if high is not None else [])

    def xlsform_settings(self, terms):
        strict = {"gt": ("gte", 1), "lt": ("lte", -1)}
        if self.integer:
            terms = [(strict[t][0], v + strict[t][1]) if t in strict and float(v).is_integer()
                     else (t, v) for t, v in terms]
        return super().xlsform_settings(terms)

    def check_definition(self, question):
        problems = []
        if question.min is not None and question.max is not None and question.min > question.max:
            problems.append(f"'min' ({question.min}) is above 'max' ({question.max})")
        if question.bands:
            previous = None
            for i, band in enumerate(question.bands):
                if not 0 <= band.points <= 1:
                    problems.append(f"band {i + 1} has points {band.points}; points run from 0 to 1")
                last = i == len(question.bands) - 1
                if band.max is None and not last:
                    problems.append(f"only the last band may leave out 'max' (band {i + 1})")
                if band.max is not None and previous is not None and band.max <= previous:
                    problems.append(f"band maxima must increase (band {i + 1})")
                previous = band.max if band.max is not None else previous
            if question.bands[-1].max is not None:
                problems.append("the last band must leave out 'max' so every number has a band")
        return problems


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _plausibility_warning(question, value, side, default, bound) -> AnswerWarning:
    message = question.plausible_message.get() if question.plausible_message else default
    return AnswerWarning(id=f"plausible_{side}:{question.id}", question_ids=(question.id,),
                         message=message, params={"bound": _fmt(bound)}, values=(value,))


@register
class Integer(_NumberBase):
    name = "integer"
    integer = True
    cell_format = "#,##0"

    xlsform_base = "integer"
    xlsform_origin = ("integer", None)


@register
class Decimal(_NumberBase):
    name = "decimal"

    xlsform_base = "decimal"
    xlsform_origin = ("decimal", None)


@register
class Percentage(_NumberBase):
    name = "percentage"
    summable = False  # a sum of percentages means nothing
    percent = True
    extra_keys = frozenset({"bands"})

    def bounds(self, question):
        return 0.0, 100.0

    xlsform_base = "decimal"  # XLSForm: from 0 to 100 always

    def xlsform_constraints(self, question):
        return [". >= 0", ". <= 100"]

    def xlsform_settings(self, terms):
        own = {("gte", 0), ("lte", 100)}
        return super().xlsform_settings([t for t in terms if t not in own])

    def _limit_notes(self, question):
        return [Note(N_("From 0 to 100."), {})]

    def _display(self, question, value, language):
        return f"{value:g}%"


@register
class Year(_NumberBase):
    name = "year"
    public_by_default = True
    scored = False
    quantity = False  # a date, not an amount
    summable = False
    cell_format = "0"
    integer = True
    grouping = False  # 2012, not 2,012
    extra_keys = frozenset({"min", "max"})

    def notes(self, question, language=None):
        return []  # a year explains itself; its limits are in the error message

    def bounds(self, question):
        low = question.min if question.min is not None else 1900
        high = question.max if question.max is not None else _dt.date.today().year + 1
        return low, high

    def _normalise(self, question, value):
        try:
            return super()._normalise(question, value)
        except AnswerError as exc:
            low, high = self.bounds(question)
            raise AnswerError(f"Enter a year between {_fmt(low)} and {_fmt(high)}.") from exc

    def _display(self, question, value, language):
        return str(value)

    def number(self, question, value):
        return None  # a year is a date, not a quantity to add up

    def cell(self, question, value, language=None):
        return value if isinstance(value, int) else super().cell(question, value, language)

    # XLSForm: written as a whole number; a date row with appearance "year" reads as one.
    xlsform_base = "integer"
    xlsform_origin = ("date", "year")


class _TextBase(QuestionType):
    default_max: ClassVar[int] = 300
    extra_keys = frozenset({"max_length"})

    def limit(self, question: Question) -> int:
        return question.max_length or self.default_max

    def notes(self, question, language=None):
        # The limit, stated on the page: a longer text is refused with its length, never cut.
        return [Note(N_("Up to %(n)s characters."), {"n": f"{self.limit(question):,}"})]

    def _workbook_main(self, question):
        return [WorkbookCell("", None, "text", max_length=self.limit(question), number_format="@")]

    def xlsform_constraints(self, question):  # XLSForm: only an explicit limit
        return [f"string-length(.) <= {question.max_length}"] if question.max_length else []

    def _normalise(self, question, value):
        if not isinstance(value, str):
            raise AnswerError("Enter text.")
        text = value.replace("\r\n", "\n").strip()
        if len(text) > self.limit(question):
            raise AnswerError(
                f"Shorten this answer to {self.limit(question):,} characters "
                f"(it has {len(text):,}).")
        return text or None


@register
class ShortText(_TextBase):
    name = "short_text"

    xlsform_origin = ("text", None)

    def _main_field(self, question, label, language):
        # No maxlength: a browser would cut a longer paste silently (the limit is stated).
        return fields.StringField(label, render_kw={"data-max-chars": self.limit(question),
                                                    **typing_direction(language)})


@register
class LongText(_TextBase):
    name = "long_text"
    default_max = 5000

    xlsform_appearance = "multiline"
    xlsform_origin = ("text", "multiline")

    def _main_field(self, question, label, language):
        return fields.TextAreaField(label, render_kw={"rows": 4, **typing_direction(language)})


LEGAL_PARTS = ("instrument", "article", "year", "url")


@register
class LegalReference(QuestionType):
    """A citation: instrument name, article or section, year, optional link."""

    name = "legal_reference"
    value_kind = "parts"
    citation = True

    # XLSForm: a group of its four parts; conditions read the instrument.
    xlsform_base = "begin_group"

    def xlsform_answer(self, question):
        return f"{question.id}__instrument"

    def xlsform_rows(self, question, relevant, required):
        kinds = {"instrument": "text", "article": "text", "year": "integer", "url": "text"}
        parts = [{"type": kinds[part], "name": f"{question.id}__{part}",
                  "label": BUILTIN_TEXT[part], "hint": None, "relevant": None,
                  "required": required if part == "instrument" else None,
                  "appearance": None, "constraint": None} for part in LEGAL_PARTS]
        return ([{"type": "begin_group", "name": question.id, "label": question.label,
                  "hint": question.help, "relevant": relevant, "required": None,
                  "appearance": None, "constraint": None}]
                + parts + [{"type": "end_group"}])

    # Answer workbook: a cell per part of the citation.
    def _workbook_main(self, question):
        limits = {"instrument": 300, "article": 120, "url": 500}
        return [WorkbookCell(part, BUILTIN_TEXT[part], "whole", minimum=1800,
                             maximum=_dt.date.today().year + 1, number_format="0")
                if part == "year" else
                WorkbookCell(part, BUILTIN_TEXT[part], "text", max_length=limits[part],
                             number_format="@")
                for part in LEGAL_PARTS]

    def _workbook_prefill(self, question, value, language):
        return {part: value[part] for part in LEGAL_PARTS if value.get(part) is not None}

    def _workbook_read(self, question, cells, number):
        parts = {}
        for part in LEGAL_PARTS:
            raw = cells.get(part)
            if not _blank(raw):
                parts[part] = number(raw, True) if part == "year" else cell_text(raw)
        return parts or None

    def browser_attributes(self, question):
        # Skip logic counts a citation as given once the law is named (as the server does).
        return {**super().browser_attributes(question),
                "data-answer-field": f"{question.id}__instrument"}

    def notes(self, question, language=None):
        return [Note(N_("Cite the law: its name, the article or section, "
                        "and the year it was passed."), {})]

    def field_names(self, question):
        names = [f"{question.id}__{part}" for part in LEGAL_PARTS]
        if question.special_codes:
            names.append(question.id + "__special")
        return names

    def build_fields(self, question, language, member=None):
        built = {
            f"{question.id}__instrument": fields.StringField(
                BUILTIN_TEXT["instrument"].get(language), render_kw={"maxlength": 300}),
            f"{question.id}__article": fields.StringField(
                BUILTIN_TEXT["article"].get(language), render_kw={"maxlength": 120}),
            f"{question.id}__year": fields.StringField(
                BUILTIN_TEXT["year"].get(language),
                render_kw={"inputmode": "numeric", "maxlength": 4}),
            f"{question.id}__url": fields.URLField(
                BUILTIN_TEXT["url"].get(language), render_kw={"maxlength": 500}),
        }
        if question.special_codes:
            special = super().build_fields(question, language)
            built[question.id + "__special"] = special[question.id + "__special"]
        return built

    def read_form(self, question, data, locale="en"):
        special = _text(data.get(question.id + "__special"))
        if special:
            return self.normalise(question, special)
        parts = {part: _text(data.get(f"{question.id}__{part}")) for part in LEGAL_PARTS}
        if not any(parts.values()):
            return None
        return self.normalise(question, parts)

    def form_data(self, question, value, locale=None):
        value = self.readable(question, value)
        out = {f"{question.id}__{part}": "" for part in LEGAL_PARTS}
        if question.special_codes:
            out[question.id + "__special"] = ""
        if value in SPECIAL_CODES:
            out[question.id + "__special"] = value
        elif isinstance(value, Mapping):
            for part in LEGAL_PARTS:
                out[f"{question.id}__{part}"] = "" if value.get(part) is None else str(value[part])
        return out

    def _normalise(self, question, value):
        if not isinstance(value, Mapping):
            raise AnswerError("Give the law's name and the article or section.")
        unknown = set(value) - set(LEGAL_PARTS)
        if unknown:
            raise AnswerError(f"Unexpected part of a citation: {sorted(unknown)[0]}.")
        instrument = _text(value.get("instrument"))
        article = _text(value.get("article"))
        url = _text(value.get("url"))
        year_raw = value.get("year")
        if not instrument:
            raise AnswerError("Give the name of the law or instrument.")
        if len(instrument) > 300 or len(article) > 120 or len(url) > 500:
            raise AnswerError("This citation is too long; shorten the name, article or link.")
        year = None
        if year_raw not in (None, ""):
            try:
                year = _parse_number(year_raw, integer=True)
            except AnswerError:
                raise AnswerError("Enter the year of the law as four digits.") from None
            if not 1800 <= year <= _dt.date.today().year + 1:
                raise AnswerError("Enter the year of the law as four digits.")
        if url and not re.match(r"https?://[^\s/$.?#][^\s]*$", url, re.IGNORECASE):
            raise AnswerError("The link must start with http:// or https://.")
        return {"instrument": instrument, "article": article or None,
                "year": year, "url": url or None}

    def _display(self, question, value, language):
        text = value["instrument"]
        if value.get("year"):
            text += f" ({value['year']})"
        if value.get("article"):
            text += f", {value['article']}"
        if value.get("url"):
            text += f" <{value['url']}>"
        return text


# -- Format 2 types ---------------------------------------------------------------------

PERIOD_BASES = ("calendar", "financial", "judicial", "other")
PERIOD_BASIS_TEXT = {
    "calendar": _builtin("Calendar year"),
    "financial": _builtin("Financial year"),
    "judicial": _builtin("Judicial year"),
    "other": _builtin("Other 12-month period"),
}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _month(text: Any) -> tuple[int, int] | None:
    match = _MONTH.match(_text(text)) if isinstance(text, str) else None
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    return (year, month) if 1 <= month <= 12 and 1900 <= year <= 2999 else None


def month_index(text: str) -> int:
    year, month = _month(text)  # type: ignore[misc]
    return year * 12 + month - 1


def month_text(index: int) -> str:
    return f"{MONTHS[index % 12]} {index // 12}"


def resolve_period(statistical_year: Any, period: str) -> tuple[str, str] | None:
    """The months a question's answer describes, from the response's statistical year.

    ``("July 2024", "June 2025")`` for ``reference_year``; the 36 months ending with it for
    ``three_years``; ``None`` for ``current`` or while the statistical year is unanswered.
    """
    if period == "current" or not isinstance(statistical_year, Mapping):
        return None
    start, end = statistical_year.get("start"), statistical_year.get("end")
    if _month(start) is None or _month(end) is None:
        return None
    first = month_index(start) - (24 if period == "three_years" else 0)
    return month_text(first), month_text(month_index(end))


@register
class StatisticalYear(QuestionType):
    """The 12-month period the figures cover: ``{basis, start, end}``, months as YYYY-MM."""

    name = "statistical_year"
    value_kind = "parts"
    public_by_default = True
    format = 2
    PARTS = ("basis", "start", "end")

    # XLSForm: a group of its parts; the kind of year from a list, the months as YYYY-MM.
    xlsform_base = "begin_group"

    def xlsform_answer(self, question):
        return f"{question.id}__basis"

    def xlsform_rows(self, question, relevant, required):
        month = "regex(., '^[0-9]{4}-(0[1-9]|1[0-2])$')"
        parts = [_xlsform_part(f"select_one {question.id}__basis", f"{question.id}__basis",
                               _builtin("Kind of year"), required),
                 _xlsform_part("text", f"{question.id}__start",
                               _builtin("First month (YYYY-MM)"), required, month),
                 _xlsform_part("text", f"{question.id}__end",
                               _builtin("Last month (YYYY-MM)"), required, month)]
        return _xlsform_group(question, relevant, parts)

    def xlsform_choice_lists(self, question):
        return [(f"{question.id}__basis", code, PERIOD_BASIS_TEXT[code], None)
                for code in PERIOD_BASES]

    def browser_attributes(self, question):
        return {**super().browser_attributes(question),
                "data-answer-field": f"{question.id}__start"}

    def notes(self, question, language=None):
        return [Note(N_("Give the first and last month as year and month, for example "
                        "2024-07 and 2025-06."), {})]

    def field_names(self, question):
        names = [f"{question.id}__{part}" for part in self.PARTS]
        if question.special_codes:
            names.append(question.id + "__special")
        return names

    def build_fields(self, question, language, member=None):
        month = {"maxlength": 7, "inputmode": "numeric", "placeholder": "YYYY-MM"}
        built = {
            f"{question.id}__basis": fields.RadioField(
                question.label.get(language),
                choices=[SelectChoice(c, PERIOD_BASIS_TEXT[c].get(language)) for c in PERIOD_BASES],
                validate_choice=False),
            f"{question.id}__start": fields.StringField(
                _builtin("First month (YYYY-MM)").get(language), render_kw=month),
            f"{question.id}__end": fields.StringField(
                _builtin("Last month (YYYY-MM)").get(language), render_kw=month),
        }
        if question.special_codes:
            special = super().build_fields(question, language)
            built[question.id + "__special"] = special[question.id + "__special"]
        return built

    def read_form(self, question, data, locale="en"):
        special = _text(data.get(question.id + "__special"))
        if special:
            return self.normalise(question, special)
        parts = {part: _text(data.get(f"{question.id}__{part}")) for part in self.PARTS}
        if not any(parts.values()):
            return None
        return self.normalise(question, parts)

    def form_data(self, question, value, locale=None):
        value = self.readable(question, value)
        out = {f"{question.id}__{part}": "" for part in self.PARTS}
        if question.special_codes:
            out[question.id + "__special"] = value if value in SPECIAL_CODES else ""
        if isinstance(value, Mapping):
            out.update({f"{question.id}__{part}": value[part] for part in self.PARTS})
        return out

    def _normalise(self, question, value):
        if not isinstance(value, Mapping) or set(value) - set(self.PARTS):
            raise AnswerError("Give the kind of year and its first and last month.")
        basis = _text(value.get("basis"))
        if basis not in PERIOD_BASES:
            raise AnswerError("Say whether the period is a calendar, financial, judicial or "
                              "other year.")
        start, end = _month(value.get("start")), _month(value.get("end"))
        if start is None or end is None:
            raise AnswerError("Give the first and last month as year and month, for example "
                              "2024-07 and 2025-06.")
        start_text, end_text = _text(value["start"]), _text(value["end"])
        if month_index(end_text) - month_index(start_text) != 11:
            raise AnswerError("The period must cover 12 consecutive months, for example "
                              "2024-07 to 2025-06.")
        return {"basis": basis, "start": start_text, "end": end_text}

    # Answer workbook: the kind of year from a list, the months as YYYY-MM text.
    def _workbook_main(self, question):
        example = _builtin("YYYY-MM, for example 2024-07")
        return [WorkbookCell("basis", _builtin("Kind of year"), "list",
                             tuple((c, PERIOD_BASIS_TEXT[c]) for c in PERIOD_BASES)),
                WorkbookCell("start", _builtin("First month (YYYY-MM)"), "text",
                             max_length=7, number_format="@", hint=example),
                WorkbookCell("end", _builtin("Last month (YYYY-MM)"), "text",
                             max_length=7, number_format="@", hint=example)]

    def _workbook_prefill(self, question, value, language):
        return {"basis": PERIOD_BASIS_TEXT[value["basis"]].get(language),
                "start": value["start"], "end": value["end"]}

    def _workbook_read(self, question, cells, number):
        raw = {part: cells.get(part) for part in self.PARTS}
        if all(_blank(v) for v in raw.values()):
            return None
        basis = "" if _blank(raw["basis"]) else pick_choice(
            self._workbook_main(question)[0].choices, raw["basis"])

        def month(value: Any) -> str:  # a spreadsheet may have made "2024-07" a date
            if isinstance(value, (_dt.datetime, _dt.date)):
                return f"{value.year:04d}-{value.month:02d}"
            return "" if _blank(value) else cell_text(value)

        return {"basis": basis, "start": month(raw["start"]), "end": month(raw["end"])}

    def period_warnings(self, question, value, reference_year):
        end_year = int(value["end"][:4])
        if end_year == reference_year:
            return []
        return [AnswerWarning(
            id=f"period_year:{question.id}", question_ids=(question.id,),
            message=N_("This round asks for figures for a period ending in %(year)s. "
                       "Check the period and confirm it if it is correct."),
            params={"year": reference_year}, values=(value["start"], value["end"]))]

    def _display(self, question, value, language):
        first = month_text(month_index(value["start"]))
        last = month_text(month_index(value["end"]))
        return f"{first} – {last} ({PERIOD_BASIS_TEXT[value['basis']].get(language).lower()})"


TC_RATINGS = {
    "compliant": ("C", "Compliant"),
    "largely_compliant": ("LC", "Largely compliant"),
    "partially_compliant": ("PC", "Partially compliant"),
    "non_compliant": ("NC", "Non-compliant"),
    "rated_na": ("N/A", "Not applicable (N/A)"),
    "not_rated": ("", "Not rated"),
}
EFFECTIVENESS_RATINGS = {
    "high": ("HE", "High"),
    "substantial": ("SE", "Substantial"),
    "moderate": ("ME", "Moderate"),
    "low": ("LE", "Low"),
    "not_rated": ("", "Not rated"),
}
RATING_SCALES = {"technical_compliance": TC_RATINGS, "effectiveness": EFFECTIVENESS_RATINGS}
METHODOLOGIES = ("2004", "2013", "2022")


@register
class EvaluationRating(QuestionType):
    """A mutual evaluation rating with the methodology it was given under. Never scored."""

    name = "evaluation_rating"
    value_kind = "parts"
    public_by_default = True
    format = 2
    extra_keys = frozenset({"scale"})

    # XLSForm: a group of the rating and the methodology, each from its own list.
    xlsform_base = "begin_group"

    def xlsform_answer(self, question):
        return f"{question.id}__rating"

    def xlsform_rows(self, question, relevant, required):
        parts = [_xlsform_part(f"select_one {question.id}__rating", f"{question.id}__rating",
                               _builtin("Rating"), required),
                 _xlsform_part(f"select_one {question.id}__methodology",
                               f"{question.id}__methodology", _builtin("Methodology"), None)]
        return _xlsform_group(question, relevant, parts)

    def xlsform_choice_lists(self, question):
        return ([(f"{question.id}__rating", code, _builtin(long), None)
                 for code, (_, long) in self.ratings(question).items()]
                + [(f"{question.id}__methodology", m, Text({"en": m}), None)
                   for m in METHODOLOGIES])

    def browser_attributes(self, question):
        return {**super().browser_attributes(question),
                "data-answer-field": f"{question.id}__rating"}

    def ratings(self, question) -> dict[str, tuple[str, str]]:
        return RATING_SCALES.get(question.scale or "", {})

    def option_codes(self, question):
        return list(self.ratings(question))

    def check_definition(self, question):
        if question.scale not in RATING_SCALES:
            return [f"'scale' must be one of {', '.join(RATING_SCALES)}"]
        return []

    def field_names(self, question):
        names = [f"{question.id}__rating", f"{question.id}__methodology"]
        if question.special_codes:
            names.append(question.id + "__special")
        return names

    def build_fields(self, question, language, member=None):
        built = {
            f"{question.id}__rating": fields.RadioField(
                question.label.get(language),
                choices=[SelectChoice(c, _builtin(long).get(language))
                         for c, (_, long) in self.ratings(question).items()],
                validate_choice=False),
            f"{question.id}__methodology": fields.RadioField(
                _builtin("Methodology").get(language),
                choices=[SelectChoice(m, m) for m in METHODOLOGIES], validate_choice=False),
        }
        if question.special_codes:
            special = super().build_fields(question, language)
            built[question.id + "__special"] = special[question.id + "__special"]
        return built

    def read_form(self, question, data, locale="en"):
        special = _text(data.get(question.id + "__special"))
        if special:
            return self.normalise(question, special)
        parts = {"rating": _text(data.get(f"{question.id}__rating")),
                 "methodology": _text(data.get(f"{question.id}__methodology"))}
        if not any(parts.values()):
            return None
        return self.normalise(question, parts)

    def form_data(self, question, value, locale=None):
        value = self.readable(question, value)
        out = {f"{question.id}__rating": "", f"{question.id}__methodology": ""}
        if question.special_codes:
            out[question.id + "__special"] = value if value in SPECIAL_CODES else ""
        if isinstance(value, Mapping):
            out[f"{question.id}__rating"] = value["rating"]
            out[f"{question.id}__methodology"] = value.get("methodology") or ""
        return out

    def _normalise(self, question, value):
        if not isinstance(value, Mapping) or set(value) - {"rating", "methodology"}:
            raise AnswerError("Choose a rating and the methodology of the report.")
        rating = _text(value.get("rating"))
        methodology = value.get("methodology")
        methodology = str(methodology).strip() if methodology not in (None, "") else ""
        if rating not in self.ratings(question):
            raise AnswerError("Choose one of the offered ratings.")
        if rating == "not_rated":
            return {"rating": rating, "methodology": None}
        if methodology not in METHODOLOGIES:
            raise AnswerError("Choose the methodology the report used (2004, 2013 or 2022).")
        if question.scale == "effectiveness" and methodology == "2004":
            raise AnswerError("Immediate Outcomes are rated only under the 2013 and 2022 "
                              "methodologies.")
        return {"rating": rating, "methodology": methodology}

    # Answer workbook: the rating and the methodology, each from a list.
    def _workbook_main(self, question):
        return [WorkbookCell("rating", _builtin("Rating"), "list",
                             tuple((c, _builtin(long))
                                   for c, (_, long) in self.ratings(question).items())),
                WorkbookCell("methodology", _builtin("Methodology"), "list",
                             tuple((m, Text({"en": m})) for m in METHODOLOGIES))]

    def _workbook_prefill(self, question, value, language):
        cells = {"rating": _builtin(self.ratings(question)[value["rating"]][1]).get(language)}
        if value.get("methodology"):
            cells["methodology"] = value["methodology"]
        return cells

    def _workbook_read(self, question, cells, number):
        rating, methodology = cells.get("rating"), cells.get("methodology")
        if _blank(rating) and _blank(methodology):
            return None
        main = self._workbook_main(question)
        return {"rating": "" if _blank(rating) else pick_choice(main[0].choices, rating),
                "methodology": None if _blank(methodology) else pick_choice(main[1].choices,
                                                                            methodology)}

    def _display(self, question, value, language):
        short, long = self.ratings(question).get(value["rating"], ("", value["rating"]))
        long = _builtin(long).get(language)
        if value["rating"] == "not_rated":
            return long
        shown = short if question.scale == "technical_compliance" else long
        methodology = _builtin("%(year)s methodology").get(language) % {
            "year": value["methodology"]}
        return f"{shown} ({methodology})"

    def codes(self, question, value):
        if not isinstance(value, Mapping):
            return None
        return value["rating"] if not value.get("methodology") else (
            f"{value['rating']};{value['methodology']}")


@register
class Derived(_NumberBase):
    """A value worked out from other answers (a rate from two counts); never asked."""

    name = "derived"
    computed = True
    format = 2
    summable = False  # a sum of rates means nothing
    cell_format = "0.0"
    extra_keys = frozenset({"derive", "unit", "bands"})

    def field_names(self, question):
        return []

    # XLSForm: a calculate row, the rate worked out as the engine does where XPath can.
    xlsform_base = "calculate"

    def xlsform_rows(self, question, relevant, required):
        rule = question.derive
        num, den = "${" + rule.numerator + "}", "${" + rule.denominator + "}"
        fallback = "${" + rule.fallback + "}" if rule.fallback else "''"
        calculation = (f"if({num} != '' and {den} != '' and {den} > 0, "
                       f"round({_fmt(rule.scale)} * {num} div {den}, 1), {fallback})")
        return [{"type": "calculate", "name": question.id, "label": question.label,
                 "hint": question.help, "relevant": relevant, "required": None,
                 "appearance": None, "constraint": None, "calculation": calculation}]

    def xlsform_constraints(self, question):
        return []

    def build_fields(self, question, language, member=None):
        return {}

    def read_form(self, question, data, locale="en"):
        raise AnswerError("This value is worked out from other answers and cannot be entered.")

    def normalise(self, question, value):
        if not is_answered(value):
            return None
        if value in SPECIAL_CODES:
            return value  # a derived value may be unknown or not applicable whatever its flags
        return self._normalise(question, value)

    def _normalise(self, question, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise AnswerError("A derived value is a number.")
        return float(value)

    def bounds(self, question):
        return None, None

    def notes(self, question, language=None):
        return [Note(N_("Worked out from other answers; not asked."), {})]

    def _display(self, question, value, language):
        unit = question.unit.get(language) if question.unit else ""
        shown = f"{value:,.1f}".rstrip("0").rstrip(".")
        return f"{shown}{unit}" if unit == "%" else f"{shown} {unit}".strip()

    def shown_value(self, value):
        return round(value, 1) if isinstance(value, float) else value

    def compute(self, question, value_of) -> Any:
        """The value from the answers ``value_of`` gives (see FORMAT-v2-proposal §10)."""
        rule = question.derive
        numerator, denominator = value_of(rule.numerator), value_of(rule.denominator)
        fallback = value_of(rule.fallback) if rule.fallback else None
        if _real_number(numerator) and _real_number(denominator) and denominator > 0:
            return round(rule.scale * numerator / denominator, 1)
        if _real_number(fallback):
            return float(fallback)
        if _real_number(denominator) and denominator == 0:
            return NOT_APPLICABLE
        if UNKNOWN in (numerator, denominator, fallback):
            return UNKNOWN
        return None


def _real_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
