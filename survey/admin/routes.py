"""Administrators: rounds, questionnaire versions, accounts, the outbox and the audit trail.

Every view here is wrapped in ``admin_only`` (access.roles_required(Role.ADMIN));
a test walks the URL map to prove no admin route is reachable by another role.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from ..access import roles_required
from ..models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")
admin_only = roles_required(Role.ADMIN)


@bp.get("/")
@admin_only
def index():
    return render_template("admin/index.html")


from . import (  # noqa: E402,F401  (views register on bp)
    audit_routes,
    notice_routes,
    outbox_routes,
    round_routes,
    translation_routes,
    user_routes,
    version_routes,
)
