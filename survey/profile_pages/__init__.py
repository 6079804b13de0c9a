"""Profile pages: a country's profile, the regional overview (heat map) and the public
list. The profile itself is built by the top-level ``profiles``.

``routes`` is the blueprint; ``services`` gathers the frames and decides publication;
``rendering`` turns a profile into HTML (also a self-contained file for the command line,
with the fonts ``embedded_fonts`` cuts down to its characters).
"""
