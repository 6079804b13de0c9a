"""Answering: a country's response, section by section, with autosave, prefill, history,
the summary and submission, and the round's questionnaire read-only.

``routes`` is the blueprint, ``forms`` builds a section's form; ``responses`` holds the
response's life (save one answer, status changes) and ``services`` a page of answers,
prefill from the previous round, an answer's history and the focal point's home.
"""
