"""Downloads: the downloads page, export jobs, country workbooks and ``survey export``.
The files themselves are built by the top-level ``exports``.

``routes`` is the blueprint, ``forms`` its form, ``services`` gathers the plain inputs
and runs the jobs, ``cli`` the command line verbs, ``csv_download`` streams CSV pages.
"""
