"""Login tokens, brute force, passwords, e-mail verification, the buyer's data: through the API."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from core.models import AuthToken, SecurityEvent, User
from tests.factories import PASSWORD, UserFactory, company_with_owner

pytestmark = pytest.mark.django_db
TOKEN = "/api/v1/auth/token/"


def login(api, email, password=PASSWORD, **extra):
    return api.post(TOKEN, {"email": email, "password": password, **extra})


def bearer(api, token):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


def test_the_stored_token_values_do_not_authenticate(api):
    user = UserFactory()
    token = login(api, user.email, name="laptop").json()["token"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT digest, token_key FROM core_authtoken WHERE user_id = %s", [user.pk])
        digest, token_key = cursor.fetchone()
    assert token not in (digest, token_key) and digest != token
    for leaked in (digest, token_key):
        assert bearer(api, leaked).get("/api/v1/auth/me/").status_code == 401
    assert bearer(api, token).get("/api/v1/auth/me/").status_code == 200


def test_tokens_are_listed_named_without_secret_and_revoked_one_by_one(api):
    user = UserFactory()
    phone = login(api, user.email, name="phone").json()
    laptop = login(api, user.email, name="laptop").json()
    listed = bearer(api, laptop["token"]).get("/api/v1/auth/tokens/").json()["results"]
    assert [(t["name"], t["current"]) for t in listed] == [("laptop", True), ("phone", False)]
    assert all("token" not in t and "digest" not in t for t in listed)
    assert listed[0]["expiry"] and listed[0]["created"]

    assert api.delete(f"/api/v1/auth/tokens/{phone['id']}/").status_code == 204
    assert bearer(api, phone["token"]).get("/api/v1/auth/me/").status_code == 401
    # Another user's token is a 404, like one that does not exist.
    other = login(api, UserFactory().email).json()
    assert bearer(api, laptop["token"]).delete(f"/api/v1/auth/tokens/{other['id']}/").status_code == 404
    assert SecurityEvent.objects.filter(user=user, kind="token_revoked").count() == 1


def test_logout_revokes_this_token_and_logout_all_every_token(api):
    user = UserFactory()
    first, second, third = (login(api, user.email).json()["token"] for _ in range(3))
    assert bearer(api, first).post("/api/v1/auth/logout/").status_code == 204
    assert api.get("/api/v1/auth/me/").status_code == 401
    assert bearer(api, second).get("/api/v1/auth/me/").status_code == 200
    assert api.post("/api/v1/auth/logout-all/").status_code == 204
    for token in (second, third):
        assert bearer(api, token).get("/api/v1/auth/me/").status_code == 401


def test_an_expired_token_is_a_401_and_use_slides_the_expiry(api, settings):
    user = UserFactory()
    data = login(api, user.email).json()
    token = AuthToken.objects.get(pk=data["id"])
    AuthToken.objects.filter(pk=token.pk).update(expiry=timezone.now() + timedelta(days=1))
    assert bearer(api, data["token"]).get("/api/v1/auth/me/").status_code == 200
    token.refresh_from_db()
    assert token.expiry > timezone.now() + settings.AUTH_TOKEN_TTL - timedelta(minutes=1)
    assert token.last_used_at is not None
    AuthToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    assert api.get("/api/v1/auth/me/").status_code == 401


def test_failed_logins_lock_the_account_for_growing_times_whether_or_not_it_exists(api, settings):
    settings.LOGIN_FAILURES_FREE = 2
    user = UserFactory()
    answers = {}
    for email in (user.email, "nobody@example.com"):
        answers[email] = [login(api, email, "wrong-password").status_code for _ in range(4)]
    # 2 free failures, the third locks; while locked even the right password is refused.
    assert answers[user.email] == answers["nobody@example.com"] == [400, 400, 400, 429]
    response = login(api, user.email)
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert response.json()["errors"][0]["code"] == "throttled"
    kinds = list(SecurityEvent.objects.filter(user=user).values_list("kind", flat=True))
    assert kinds.count("login_failed") == 3 and "login_locked" in kinds
    locked = SecurityEvent.objects.filter(user=user, kind="login_locked").order_by("pk")
    assert locked.first().detail["seconds"] == settings.LOGIN_LOCKOUT_SECONDS


def test_failures_from_one_ip_lock_it_across_accounts(api, settings):
    settings.LOGIN_FAILURES_FREE = 1  # four failures free per IP
    statuses = [login(api, f"guess{n}@example.com", "wrong-password").status_code for n in range(6)]
    assert statuses == [400, 400, 400, 400, 400, 429]
    assert login(api, UserFactory().email).status_code == 429


def test_a_successful_login_is_a_security_event(api):
    user = UserFactory()
    api.post(TOKEN, {"email": user.email, "password": PASSWORD}, HTTP_USER_AGENT="curl/8")
    event = SecurityEvent.objects.get(user=user, kind="login_succeeded")
    assert (event.ip_address, event.user_agent) == ("127.0.0.1", "curl/8")


def test_password_reset_through_a_real_smtp_server_revokes_every_token(
    api, smtp_server, django_capture_on_commit_callbacks
):
    user = UserFactory()
    old_token = login(api, user.email).json()["token"]
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post("/api/v1/auth/password-reset/", {"email": user.email.upper()})
        unknown = api.post("/api/v1/auth/password-reset/", {"email": "nobody@example.com"})
    assert answer.status_code == unknown.status_code == 202 and answer.json() == unknown.json()
    assert len(smtp_server) == 1 and smtp_server[0]["To"] == user.email
    body = smtp_server[0].get_content()
    uid, token = re.search(r"uid=([^&\s]+)&token=(\S+)", body).groups()

    confirm = {"uid": uid, "token": token, "new_password": "weak"}
    response = api.post("/api/v1/auth/password-reset/confirm/", confirm)
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "new_password"
    confirm["new_password"] = "mulberry-paper-lamp-77"
    assert api.post("/api/v1/auth/password-reset/confirm/", confirm).status_code == 204
    assert bearer(api, old_token).get("/api/v1/auth/me/").status_code == 401
    api.credentials()
    # The link works once.
    response = api.post("/api/v1/auth/password-reset/confirm/", confirm)
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "token"
    assert login(api, user.email, "mulberry-paper-lamp-77").status_code == 200
    assert SecurityEvent.objects.filter(user=user, kind="password_reset").exists()


def test_password_reset_is_throttled_per_address_and_per_ip(api, settings):
    settings.PASSWORD_RESET_LIMIT, settings.PASSWORD_RESET_IP_LIMIT = 2, 2
    statuses = [api.post("/api/v1/auth/password-reset/", {"email": "a@example.com"}).status_code for _ in range(3)]
    assert statuses == [202, 202, 429]
    # The IP's allowance (2) is spent by now: another address from it is refused too.
    assert api.post("/api/v1/auth/password-reset/", {"email": "b@example.com"}).status_code == 429
    response = api.post("/api/v1/auth/password-reset/", {"email": "not-an-email"})
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "email"


def test_password_change_keeps_this_token_and_revokes_the_others(api):
    user = UserFactory()
    other = login(api, user.email).json()["token"]
    this = login(api, user.email).json()["token"]
    bearer(api, this)
    wrong = api.post("/api/v1/auth/password-change/", {"current_password": "nope", "new_password": "x-lamp-2026-y"})
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["attr"] == "current_password"
    body = {"current_password": PASSWORD, "new_password": "hanji-window-2026"}
    assert api.post("/api/v1/auth/password-change/", body).status_code == 204
    assert api.get("/api/v1/auth/me/").status_code == 200
    assert bearer(api, other).get("/api/v1/auth/me/").status_code == 401
    assert login(api, user.email, "hanji-window-2026").status_code == 200


def _registered(api, django_capture_on_commit_callbacks, email="kim@example.com"):
    with django_capture_on_commit_callbacks(execute=True):
        api.post("/api/v1/auth/register/", {"email": email, "password": "hanji-lamp-2026", "full_name": "Kim"})
    token = re.search(r"token=(\S+)", mail.outbox[-1].body).group(1)
    return User.objects.get(email=email), token


def test_an_unverified_user_may_buy_but_not_register_companies_until_verified(api, django_capture_on_commit_callbacks):
    user, link_token = _registered(api, django_capture_on_commit_callbacks)
    assert mail.outbox[-1].to == [user.email] and user.email_verified_at is None
    bearer(api, login(api, user.email, "hanji-lamp-2026").json()["token"])
    company = {
        "legal_name": "Kim Trading",
        "registration_number": "555-81-00001",
        "country": "KR",
        "sector": "mfg_food",
        "annual_sales": {"amount": "1000000000", "currency": "KRW"},
        "employees": 3,
    }
    for path, body in (("/api/v1/companies/", company), ("/api/v1/buyer-companies/", {"name": "K", "country": "JP"})):
        response = api.post(path, body)
        assert response.status_code == 403, response.content
        assert response.json()["errors"][0]["code"] == "email_not_verified"
    assert api.get("/api/v1/storefront/products/").status_code == 200

    response = api.post("/api/v1/auth/verify-email/", {"token": link_token[:-2] + "xx"})
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "token"
    assert api.post("/api/v1/auth/verify-email/", {"token": link_token}).json()["email_verified_at"]
    assert api.post("/api/v1/companies/", company).status_code == 201


def test_an_expired_verification_link_is_refused_and_resend_is_throttled(
    api, settings, django_capture_on_commit_callbacks
):
    user, link_token = _registered(api, django_capture_on_commit_callbacks)
    settings.EMAIL_VERIFY_MAX_AGE = timedelta(0)
    response = api.post("/api/v1/auth/verify-email/", {"token": link_token})
    assert response.status_code == 400 and "expired" in response.json()["errors"][0]["detail"]
    api.force_authenticate(user)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post("/api/v1/auth/verify-email/resend/").status_code == 202
    assert api.post("/api/v1/auth/verify-email/resend/").status_code == 429
    assert len(mail.outbox) == 2


def test_export_holds_the_users_orders_companies_and_events(api):
    from marketplace.models import Order

    company = company_with_owner()
    user = company.staff.get().user
    Order.objects.create(
        number="EXP-1", buyer=user, email=user.email, currency="USD", subtotal=10, shipping=0, total=10
    )
    bearer(api, login(api, user.email).json()["token"])
    data = api.get("/api/v1/auth/me/export/").json()
    assert data["user"]["email"] == user.email
    assert [o["number"] for o in data["marketplace"]["orders"]] == ["EXP-1"]
    assert data["companies"] == [
        {"company": company.legal_name, "role": "owner", "since": data["companies"][0]["since"]}
    ]
    assert {e["kind"] for e in data["security_events"]} >= {"login_succeeded"}


def test_closing_an_account_keeps_tax_records_and_nothing_else(api):
    from marketplace.models import Checkout, Order

    user = UserFactory()
    address = {"name": "Sato", "lines": ["1 Ginza"], "city": "Tokyo", "postal_code": "104-0061", "country": "JP"}
    paid = Order.objects.create(
        number="CL-1", buyer=user, email=user.email, currency="JPY", subtotal=1, shipping=0, total=1,
        shipping_address=address, status=Order.Status.PAID,
    )  # fmt: skip
    pending = Order.objects.create(
        number="CL-2", buyer=user, email=user.email, currency="JPY", subtotal=1, shipping=0, total=1,
        shipping_address=address,
    )  # fmt: skip
    checkout = Checkout.objects.create(buyer=user, email=user.email, currency="JPY", shipping_address=address)
    token = login(api, user.email).json()["token"]
    assert bearer(api, token).delete("/api/v1/auth/me/").status_code == 204
    assert api.get("/api/v1/auth/me/").status_code == 401
    api.credentials()
    assert login(api, user.email).status_code == 400
    user.refresh_from_db()
    assert (user.is_active, user.full_name, user.email.endswith(".invalid")) == (False, "Closed account", True)
    paid.refresh_from_db(), pending.refresh_from_db(), checkout.refresh_from_db()
    assert paid.shipping_address == address and paid.email != user.email and "@" in paid.email
    assert pending.shipping_address == {} and checkout.shipping_address == {} and checkout.email != address
    # The address is free again.
    assert api.post(
        "/api/v1/auth/register/", {"email": "x" + paid.email, "password": "hanji-lamp-2026", "full_name": "N"}
    ).status_code in (201, 400)


def test_a_companys_only_owner_cannot_close_the_account(api):
    company = company_with_owner()
    owner = company.staff.get().user
    response = bearer(api, login(api, owner.email).json()["token"]).delete("/api/v1/auth/me/")
    assert response.status_code == 409
    assert company.legal_name in response.json()["errors"][0]["detail"]
    owner.refresh_from_db()
    assert owner.is_active and api.get("/api/v1/auth/me/").status_code == 200


def test_the_security_log_refuses_updates_and_deletes():
    from django.db import DatabaseError, transaction

    event = SecurityEvent.objects.create(kind="login_failed")
    for write in (lambda: SecurityEvent.objects.filter(pk=event.pk).update(kind="x"), event.delete):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            write()
