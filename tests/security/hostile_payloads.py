"""The hostile-input corpus: a few payloads per class, each class exercised on every route.

Every payload carries the marker ``hx7`` where it can, so a reflection in a page is
found by looking for the raw (unescaped) dangerous part.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Payload:
    kind: str
    value: str

    def __str__(self) -> str:
        shown = self.value if len(self.value) <= 40 else f"{self.value[:20]}…({len(self.value):,} chars)"
        return f"{self.kind}:{shown!r}"


# What must never appear raw in an HTML page (each is the start of a payload below).
RAW_HTML_MARKERS = ("<script>alert('hx7", "<svg onload=alert('hx7", "<img src=x onerror=alert('hx7",
                    'href="javascript:alert(', "href='javascript:alert(")
# A cell of a download that begins with one of these would run as a formula.
FORMULA_PAYLOADS = ("=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "-1+cmd|' /C calc'!A0",
                    "@SUM(1+1)*cmd|' /C calc'!A0")

CLASSES: dict[str, tuple[str, ...]] = {
    "xss": ("<script>alert('hx7')</script>", "\"'><svg onload=alert('hx7')>",
            "<img src=x onerror=alert('hx7')>", "javascript:alert('hx7')"),
    "formula": FORMULA_PAYLOADS + ("=HYPERLINK(\"http://evil.example/hx7\",\"x\")",),
    "nul": ("hx7\x00", "\x00", "a\x00b\x01c"),
    "overlong": ("hx7" + "A" * 100_000,),
    "bidi": ("\u202ehx7gnp.exe", "\u2066hx7\u2069", "\u200f\u202bhx7"),
    "huge_int": ("99999999999999999999999", "9223372036854775808", "2147483648", "1e309"),
    "negative": ("-1", "-99999999999999999999999", "-0"),
    # Traversal and, as a redirect target, another site (a browser reads "/\\" as "//") or a
    # second header.
    "path": ("/\\evil.example/../../../etc/passwd", "/\t/evil.example/hx7", "//evil.example/hx7",
             "%2e%2e%2f%2e%2e%2fhx7", "..%2F..%2Fhx7", "..\\..\\hx7", "/hx7\r\nSet-Cookie: hx7=1"),
}
KINDS = tuple(CLASSES)
PAYLOADS: tuple[Payload, ...] = tuple(Payload(k, v) for k, values in CLASSES.items() for v in values)


def payload(kind: str, index: int) -> Payload:
    """The ``index``-th payload of a class, wrapping around."""
    values = CLASSES[kind]
    return Payload(kind, values[index % len(values)])


# Path segments (the runner percent-encodes them, so the server decodes them back).
PATH_VALUES: dict[str, tuple[str, ...]] = {
    "xss": ("<svg onload=alert('hx7')>",),
    "formula": ("=cmd|' /C calc'!A0",),
    "nul": ("\x00", "hx7\x00"),
    "overlong": ("A" * 10_000,),
    "bidi": ("\u202ehx7",),
    "huge_int": ("99999999999999999999999", "2147483648"),
    "negative": ("-1",),
    "path": ("../../hx7", "..%2F..%2Fhx7", "."),
}
