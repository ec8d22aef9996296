"""Operators' second factor: TOTP or a recovery code for an API token and in the admin."""

import pytest
from django.core.management import call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.accounts import operator_otp_enrol
from core.checks import operator_otp_check
from core.models import SecurityEvent
from tests.factories import PASSWORD, OperatorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def otp_on(settings):
    settings.OPERATOR_OTP_REQUIRED = True


def code_of(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def token(api, user, **extra):
    return api.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD, **extra})


def test_an_operator_token_needs_the_totp_code_or_a_recovery_code_once(api, otp_on):
    operator = OperatorFactory()
    response = token(api, operator)
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "otp"  # not enrolled
    device, codes = operator_otp_enrol(user=operator)
    for otp in ("", "000000"):
        response = token(api, operator, otp=otp)
        assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "otp", otp
    assert SecurityEvent.objects.filter(user=operator, kind="otp_failed").count() == 1
    device.refresh_from_db()
    device.throttling_failure_count = 0  # the wrong code above makes the device wait a second
    device.save()
    assert token(api, operator, otp=code_of(device)).status_code == 200
    assert token(api, operator, otp=codes[0]).status_code == 200
    assert token(api, operator, otp=codes[0]).status_code == 400  # used up
    # Buyers and SME staff are not asked.
    assert token(api, UserFactory()).status_code == 200


def test_the_admin_asks_operators_for_the_code_after_any_login(client, otp_on):
    operator = OperatorFactory()
    device, _codes = operator_otp_enrol(user=operator)
    client.force_login(operator)
    response = client.get("/admin/core/user/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/otp/?next=")
    # Without the second step the session is anonymous to the API too.
    assert client.get("/api/v1/auth/me/").status_code == 401
    assert client.post("/admin/otp/?next=/admin/core/user/", {"otp_token": "123456"}).status_code == 400
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.save()
    response = client.post("/admin/otp/?next=/admin/core/user/", {"otp_token": code_of(device)})
    assert response.status_code == 302 and response["Location"] == "/admin/core/user/"
    assert client.get("/admin/core/user/").status_code == 200


def test_otp_enrol_prints_a_secret_and_ten_recovery_codes(capsys):
    operator = OperatorFactory()
    call_command("otp_enrol", operator.email)
    out = capsys.readouterr().out
    assert "otpauth://totp/" in out and out.count("\n  ") == 10
    assert TOTPDevice.objects.filter(user=operator).count() == 1
    with pytest.raises(Exception, match="Only operators"):
        call_command("otp_enrol", UserFactory().email)


def test_the_deploy_check_refuses_production_without_the_second_factor(settings):
    settings.DEBUG, settings.OPERATOR_OTP_REQUIRED = False, False
    assert [e.id for e in operator_otp_check(None)] == ["platform.E020"]
    settings.OPERATOR_OTP_REQUIRED = True
    assert operator_otp_check(None) == []
    settings.DEBUG, settings.OPERATOR_OTP_REQUIRED = True, False  # make run
    assert operator_otp_check(None) == []
