"""Review: the round tracker (page and workbook), a submission's review, comment threads,
return/approve/reopen decisions and notifications.

``routes`` is the blueprint; ``services`` the rules; ``tracker_workbook`` the tracker as
a spreadsheet (written by the top-level ``exports``).
"""
