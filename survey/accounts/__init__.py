"""Accounts: logging in and out, sessions, the account page, invitations and password
resets, personal API tokens.

``routes`` (the blueprint: login, logout, the account page) pulls in ``link_routes``
(one-time links) and ``token_routes`` (API tokens); ``forms`` holds their forms.
Rules: ``users`` (create, passwords, roles, deactivation), ``invitations`` (one-time
links), ``sessions`` (server-side sessions), ``api_tokens``, and ``resume`` with
``kept_forms`` (a form posted after the session expired, saved after the login).
"""
