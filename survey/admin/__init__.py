"""Administrators: rounds, accounts, questionnaire versions, the outbox and the audit trail.

``routes`` holds the blueprint (every view wrapped in ``admin_only``) and pulls in the
pages: ``round_routes``, ``user_routes``, ``version_routes``, ``outbox_routes`` and
``audit_routes``; ``forms`` their forms; ``audit_trail`` reads the audit trail.
"""
