"""Accounts: invitations and resets by one-time links, roles and countries, deactivation."""

import datetime as dt
import re
import smtplib

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import AccountToken, AuditEvent, OutboxMessage, Role, User
from survey.security import token_hash
from tests.conftest import login_as

LINK = re.compile(r"http://localhost(/(?:invitation|reset-password)/[\w-]+)")


def _admin(client):
    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    login_as(client, admin)
    return admin


# The demo's focal points have mail already (the rounds opened); these tests mean reset links.
RESET_MAIL = OutboxMessage.subject.startswith("Reset your password")


def _last_mail_link(to: str) -> str:
    db.session.expire_all()
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_addr == to)
                                .order_by(OutboxMessage.id.desc()))
    return LINK.search(message.body).group(1)


def _log_in(client, email, password):
    return client.post("/login", data={"email": email, "password": password})


def test_invited_focal_point_sets_a_password_once_and_logs_in(app, demo):
    admin_client, client = app.test_client(), app.test_client()
    _admin(admin_client)
    page = admin_client.post("/admin/users", data={
        "email": "New.Focal@Example.org", "name": "Nguyen (Viet Nam, MPS)",
        "role": "focal_point", "country": "VNM"}, follow_redirects=True)
    assert "Invitation sent to new.focal@example.org" in page.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "new.focal@example.org"))
    assert user.country.iso3 == "VNM" and user.password_hash is None

    outbox = admin_client.get("/admin/outbox").get_data(as_text=True)
    assert "Your account for the Bali Process capability survey" in outbox
    link = _last_mail_link("new.focal@example.org")
    token = db.session.scalar(select(AccountToken).where(AccountToken.user_id == user.id))
    assert token.token_hash == token_hash(link.rsplit("/", 1)[1])  # only the hash is stored

    assert "Choose your password" in client.get(link).get_data(as_text=True)
    page = client.post(link, data={"password": "short", "confirm": "short"})
    assert page.status_code == 400
    page = client.post(link, data={"password": "a long pass phrase", "confirm": "different one"})
    assert "The two passwords differ." in page.get_data(as_text=True)
    page = client.post(link, data={"password": "a long pass phrase",
                                   "confirm": "a long pass phrase"}, follow_redirects=True)
    assert "Your password is set." in page.get_data(as_text=True)
    assert _log_in(client, "new.focal@example.org", "a long pass phrase").status_code == 302

    # The link works once.
    reused = app.test_client().get(link)
    assert reused.status_code == 410
    assert "This link does not work any more" in reused.get_data(as_text=True)
    again = app.test_client().post(link, data={"password": "another pass phrase",
                                               "confirm": "another pass phrase"})
    assert again.status_code == 410
    assert _log_in(app.test_client(), "new.focal@example.org", "another pass phrase").status_code == 401


def test_expired_invitation_is_refused(app, demo):
    admin_client = app.test_client()
    _admin(admin_client)
    admin_client.post("/admin/users", data={"email": "late@example.org", "role": "reviewer"})
    link = _last_mail_link("late@example.org")
    token = db.session.scalar(select(AccountToken).where(
        AccountToken.token_hash == token_hash(link.rsplit("/", 1)[1])))
    token.expires_at = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=1)
    db.session.commit()
    client = app.test_client()
    assert client.get(link).status_code == 410
    page = client.post(link, data={"password": "a long pass phrase", "confirm": "a long pass phrase"})
    assert page.status_code == 410
    db.session.expire_all()
    assert db.session.scalar(select(User.password_hash).where(User.email == "late@example.org")) is None


def test_a_new_invitation_replaces_the_old_link(app, demo):
    admin_client = app.test_client()
    _admin(admin_client)
    admin_client.post("/admin/users", data={"email": "twice@example.org", "role": "analyst"})
    first = _last_mail_link("twice@example.org")
    user = db.session.scalar(select(User).where(User.email == "twice@example.org"))
    admin_client.post(f"/admin/users/{user.id}/invite")
    second = _last_mail_link("twice@example.org")
    assert first != second
    assert app.test_client().get(first).status_code == 410
    assert app.test_client().get(second).status_code == 200


def test_forgot_password_never_reveals_whether_the_address_exists(app, demo):
    client = app.test_client()
    assert 'href="/forgot-password"' in client.get("/login").get_data(as_text=True)
    known = client.post("/forgot-password", data={"email": "focal.tha@example.org"},
                        follow_redirects=True).get_data(as_text=True)
    unknown = client.post("/forgot-password", data={"email": "nobody@example.org"},
                          follow_redirects=True).get_data(as_text=True)
    message = "If an active account uses this address, a link to choose a new password is on its way."
    assert message in known and message in unknown
    assert db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.to_addr == "nobody@example.org")) is None

    link = _last_mail_link("focal.tha@example.org")
    assert link.startswith("/reset-password/")
    # An old session of the account ends when the password is reset.
    old_session = app.test_client()
    assert _log_in(old_session, "focal.tha@example.org", demo["focal.tha@example.org"]).status_code == 302
    client.post(link, data={"password": "my new pass phrase", "confirm": "my new pass phrase"})
    assert old_session.get("/").status_code == 302
    assert _log_in(app.test_client(), "focal.tha@example.org", "my new pass phrase").status_code == 302
    assert _log_in(app.test_client(), "focal.tha@example.org",
                   demo["focal.tha@example.org"]).status_code == 401
    assert app.test_client().get(link).status_code == 410


def test_an_invitation_link_is_not_a_reset_link(app, demo):
    admin_client = app.test_client()
    _admin(admin_client)
    admin_client.post("/admin/users", data={"email": "mixed@example.org", "role": "analyst"})
    link = _last_mail_link("mixed@example.org")
    raw = link.rsplit("/", 1)[1]
    assert app.test_client().get(f"/reset-password/{raw}").status_code == 410
    assert app.test_client().get("/invitation/not-a-token").status_code == 410


def test_deactivation_ends_open_sessions_at_once(app, demo):
    focal = app.test_client()
    assert _log_in(focal, "focal.fji@example.org", demo["focal.fji@example.org"]).status_code == 302
    assert focal.get("/my-country").status_code == 200
    admin_client = app.test_client()
    _admin(admin_client)
    user = db.session.scalar(select(User).where(User.email == "focal.fji@example.org"))
    page = admin_client.post(f"/admin/users/{user.id}/deactivate", data={"confirmed": "yes"},
                             follow_redirects=True)
    assert "is deactivated; any open session has ended" in page.get_data(as_text=True)
    following = focal.get("/my-country")
    assert following.status_code == 302 and "/login" in following.headers["Location"]
    refused = _log_in(app.test_client(), "focal.fji@example.org", demo["focal.fji@example.org"])
    assert refused.status_code == 403 and "This account is deactivated" in refused.get_data(
        as_text=True)
    # A reset link cannot revive a deactivated account.
    app.test_client().post("/forgot-password", data={"email": "focal.fji@example.org"},
                           follow_redirects=True)
    db.session.expire_all()
    assert db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.to_addr == "focal.fji@example.org", RESET_MAIL)) is None

    admin_client.post(f"/admin/users/{user.id}/reactivate")
    assert _log_in(app.test_client(), "focal.fji@example.org",
                   demo["focal.fji@example.org"]).status_code == 302
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.entity == "user", AuditEvent.entity_id == user.id,
        AuditEvent.action.in_(["user.deactivate", "user.reactivate"])).order_by(AuditEvent.id)).all()
    assert actions == ["user.deactivate", "user.reactivate"]


def test_admins_cannot_lock_themselves_out(client, demo):
    admin = _admin(client)
    page = client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "You cannot deactivate your own account." in page.get_data(as_text=True)
    page = client.post(f"/admin/users/{admin.id}/role", data={"role": "reviewer", "country": ""})
    assert page.status_code == 400
    db.session.expire_all()
    assert admin.active and admin.role is Role.ADMIN


def test_role_and_country_changes_are_checked_and_audited(client, demo):
    _admin(client)
    user = db.session.scalar(select(User).where(User.email == "focal.phl@example.org"))
    page = client.post(f"/admin/users/{user.id}/role", data={"role": "focal_point", "country": ""})
    assert page.status_code == 400
    assert "A focal point needs a country" in page.get_data(as_text=True)
    client.post(f"/admin/users/{user.id}/role", data={"role": "focal_point", "country": "IDN"})
    db.session.expire_all()
    assert user.country.iso3 == "IDN"
    client.post(f"/admin/users/{user.id}/role", data={"role": "reviewer", "country": "IDN"})
    db.session.expire_all()
    assert user.role is Role.REVIEWER and user.country is None
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.role")
                                .order_by(AuditEvent.id)).all()
    assert [(e.old_value, e.new_value) for e in events] == [
        ({"role": "focal_point", "country": "PHL"}, {"role": "focal_point", "country": "IDN"}),
        ({"role": "focal_point", "country": "IDN"}, {"role": "reviewer", "country": None}),
    ]


def test_duplicate_invitation_is_refused_with_a_message(client, demo):
    _admin(client)
    page = client.post("/admin/users", data={"email": "focal.tha@example.org", "role": "analyst"})
    assert page.status_code == 400
    assert "already exists" in page.get_data(as_text=True)


class FakeSMTP:
    sent: list = []
    fail = False

    def __init__(self, host, port, timeout=None):
        self.host, self.port = host, port

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, user, password):
        self.user = user

    def send_message(self, message):
        if FakeSMTP.fail:
            raise smtplib.SMTPRecipientsRefused({message["To"]: (550, b"no such user")})
        FakeSMTP.sent.append(message)


@pytest.fixture
def fake_smtp(monkeypatch, app):
    FakeSMTP.sent, FakeSMTP.fail = [], False
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    app.config.update(SURVEY_MAIL_SERVER="mail.example.org", SURVEY_MAIL_USERNAME="survey")
    return FakeSMTP


def test_mail_goes_through_smtp_when_configured_and_is_kept(client, demo, fake_smtp):
    _admin(client)
    client.post("/admin/users", data={"email": "smtp@example.org", "role": "analyst"})
    assert [m["To"] for m in fake_smtp.sent] == ["smtp@example.org"]
    assert "/invitation/" in fake_smtp.sent[0].get_content()
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_addr == "smtp@example.org"))
    assert message.sent_at is not None and message.error is None


def test_a_mail_server_failure_is_recorded_and_the_invitation_still_made(client, demo, fake_smtp):
    fake_smtp.fail = True
    _admin(client)
    page = client.post("/admin/users", data={"email": "bounce@example.org", "role": "analyst"},
                       follow_redirects=True)
    assert page.status_code == 200
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_addr == "bounce@example.org"))
    assert message.sent_at is None and "SMTPRecipientsRefused" in message.error
    assert "Failed" in client.get("/admin/outbox").get_data(as_text=True)


def test_reset_requests_cannot_flood_an_inbox(app, demo):
    client = app.test_client()
    for _ in range(5):
        # Following the redirect closes the answer, after which the link is sent.
        client.post("/forgot-password", data={"email": "focal.phl@example.org"},
                    follow_redirects=True)
    db.session.expire_all()
    sent = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.to_addr == "focal.phl@example.org", RESET_MAIL)).all()
    assert len(sent) == 1
