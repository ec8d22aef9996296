"""The admin site as people enter it: the login form admits operators and company staff and
refuses everyone else with one message (the dashboard: tests/marketplace/test_dashboard.py)."""

import pytest

from tests.factories import PASSWORD, OperatorFactory, UserFactory, company_with_owner, owner_of

pytestmark = pytest.mark.django_db
REFUSED = "Please enter the correct email and password of an operator or company staff account."


def log_in(client, email, password=PASSWORD):
    return client.post("/admin/login/?next=/admin/", {"username": email, "password": password})


def test_operators_and_company_staff_log_in_through_the_login_form(client):
    owner = owner_of(company_with_owner())
    for user in (OperatorFactory(), owner):
        response = log_in(client, user.email)
        assert response.status_code == 302 and response["Location"] == "/admin/", user
        assert client.get("/admin/").status_code == 200
        client.logout()


def test_everyone_else_is_refused_with_the_same_message(client):
    plain = UserFactory()
    inactive_owner = owner_of(company_with_owner())
    inactive_owner.is_active = False
    inactive_owner.save(update_fields=["is_active"])
    staff_without_company = UserFactory(is_staff=True)
    attempts = [
        (plain.email, PASSWORD),
        (inactive_owner.email, PASSWORD),
        (staff_without_company.email, PASSWORD),
        (owner_of(company_with_owner()).email, "wrong-password"),
        ("nobody@example.com", PASSWORD),
    ]
    for email, password in attempts:
        response = log_in(client, email, password)
        assert response.status_code == 200, email
        assert REFUSED in response.content.decode(), email
        assert client.get("/admin/").status_code == 302
