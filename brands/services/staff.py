"""A company's staff: roles of registered users, and invitations for e-mail addresses that have
no account yet (accepting one creates the account). Every change is a security event."""

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from brands.models import ApiKey, Company, CompanyStaff, StaffInvitation
from brands.selectors import user_company_roles_forget, user_has_company_role
from core.accounts import password_check
from core.emails import email_send
from core.errors import Conflict, InvalidInput, NotPermitted
from core.models import SecurityEvent, User
from core.permissions import is_operator
from core.services import security_event_record

INVITATION_SALT = "brands.staff-invitation"
WRITE_ROLES = {CompanyStaff.Role.OWNER, CompanyStaff.Role.EDITOR}


def _require_owner(company: Company, actor: User) -> None:
    if not (is_operator(actor) or user_has_company_role(actor, company.pk, CompanyStaff.Role.OWNER)):
        raise NotPermitted("Only the company's owners may manage its staff.")


def _role_set(company: Company, user: User, role: str, actor: User | None, request) -> CompanyStaff:
    staff = CompanyStaff.objects.filter(company=company, user=user).first()
    previous = staff.role if staff else None
    if previous == CompanyStaff.Role.OWNER and role != CompanyStaff.Role.OWNER:
        other_owners = CompanyStaff.objects.filter(company=company, role=CompanyStaff.Role.OWNER).exclude(pk=staff.pk)
        if not other_owners.exists():
            raise Conflict("A company keeps at least one owner; make someone else owner first.", attr="role")
    if staff is None:
        staff = CompanyStaff(company=company, user=user)
    staff.role = role
    staff.save()
    user_company_roles_forget(user)
    security_event_record(
        kind=SecurityEvent.Kind.STAFF_CHANGED,
        user=user,
        actor=actor,
        company_id=company.pk,
        request=request,
        role=role,
        previous_role=previous,
    )
    return staff


@transaction.atomic
def company_staff_set(
    *, company: Company, actor: User, email: str, role: str, request=None
) -> CompanyStaff | StaffInvitation:
    """Gives a registered user the role (or changes it); an address without an account gets an
    invitation instead (returned). A user whose address is not verified may only be a viewer."""
    _require_owner(company, actor)
    Company.objects.select_for_update().get(pk=company.pk)
    email = email.lower()
    user = User.objects.filter(email=email, is_active=True).first()
    if user is None:
        return _invite(company, actor, email, role, request)
    if role in WRITE_ROLES and not user.is_email_verified:
        raise Conflict(
            f"{email} has not verified their e-mail address yet; add them as viewer until they have.", attr="role"
        )
    return _role_set(company, user, role, actor, request)


def _invite(company: Company, actor: User, email: str, role: str, request) -> StaffInvitation:
    """One pending invitation per address and company: inviting again renews it (role, expiry)."""
    invitation = StaffInvitation.objects.select_for_update().filter(
        company=company, email=email, status=StaffInvitation.Status.PENDING
    ).first() or StaffInvitation(company=company, email=email)
    invitation.role = role
    invitation.invited_by = actor
    invitation.expires_at = timezone.now() + timedelta(days=settings.STAFF_INVITATION_DAYS)
    invitation.save()
    security_event_record(
        kind=SecurityEvent.Kind.STAFF_INVITED,
        actor=actor,
        company_id=company.pk,
        request=request,
        email=email,
        role=role,
    )
    token = signing.dumps({"invitation": invitation.pk}, salt=INVITATION_SALT)
    transaction.on_commit(
        partial(
            email_send,
            to=email,
            subject=f"{company.legal_name} invites you to the platform",
            template="emails/staff_invitation.txt",
            context={
                "company": company,
                "role": invitation.get_role_display(),
                "inviter": actor.full_name or actor.email,
                "link": settings.STAFF_INVITATION_URL.format(token=token),
                "days": settings.STAFF_INVITATION_DAYS,
            },
        )
    )
    return invitation


@transaction.atomic
def staff_invitation_revoke(*, invitation: StaffInvitation, actor: User, request=None) -> StaffInvitation:
    _require_owner(invitation.company, actor)
    invitation = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != StaffInvitation.Status.PENDING:
        raise Conflict(f"The invitation is {invitation.status}; only a pending one can be revoked.")
    invitation.status = StaffInvitation.Status.REVOKED
    invitation.closed_at = timezone.now()
    invitation.save(update_fields=["status", "closed_at"])
    security_event_record(
        kind=SecurityEvent.Kind.STAFF_INVITATION_REVOKED,
        actor=actor,
        company_id=invitation.company_id,
        request=request,
        email=invitation.email,
    )
    return invitation


@transaction.atomic
def staff_invitation_accept(*, token: str, full_name: str = "", password: str = "", request=None) -> CompanyStaff:
    """Joins the company with the invited role. Without an account for the address, one is
    created (full_name and password needed), verified since the link reached the address."""
    try:
        payload = signing.loads(token, salt=INVITATION_SALT, max_age=timedelta(days=settings.STAFF_INVITATION_DAYS))
    except signing.BadSignature:  # SignatureExpired included
        raise InvalidInput("The invitation link is not valid or has expired.", attr="token") from None
    invitation = (
        StaffInvitation.objects.select_for_update()
        .select_related("company")
        .filter(pk=payload.get("invitation"))
        .first()
    )
    if invitation is None:
        raise InvalidInput("The invitation link is not valid or has expired.", attr="token")
    if invitation.status != StaffInvitation.Status.PENDING:
        raise Conflict(f"The invitation was {invitation.status}.")
    if invitation.expires_at <= timezone.now():
        raise Conflict("The invitation has expired; ask the company's owner for a new one.")
    now = timezone.now()
    user = User.objects.select_for_update().filter(email=invitation.email).first()
    if user is None:
        given = {"full_name": full_name, "password": password}
        missing = {attr: [("required", "This field is required.")] for attr, value in given.items() if not value}
        if missing:
            raise InvalidInput("A new account needs a name and a password.", fields=missing)
        user = User(email=invitation.email, full_name=full_name, email_verified_at=now)
        password_check(password, user, "password")
        user.set_password(password)
        user.save()
    elif not user.is_active:
        raise Conflict("The account of this address is closed.")
    elif user.email_verified_at is None:
        user.email_verified_at = now
        user.save(update_fields=["email_verified_at"])
    staff = _role_set(invitation.company, user, invitation.role, invitation.invited_by, request)
    invitation.status = StaffInvitation.Status.ACCEPTED
    invitation.accepted_by = user
    invitation.closed_at = now
    invitation.save(update_fields=["status", "accepted_by", "closed_at"])
    security_event_record(
        kind=SecurityEvent.Kind.STAFF_INVITATION_ACCEPTED,
        user=user,
        actor=user,
        company_id=invitation.company_id,
        request=request,
        role=invitation.role,
    )
    return staff


def user_staff_export(*, user: User) -> tuple[str, dict]:
    roles = CompanyStaff.objects.filter(user=user).select_related("company").order_by("pk")
    return "companies", [
        {"company": staff.company.legal_name, "role": staff.role, "since": staff.added_at} for staff in roles
    ]


def user_staff_leave_all(*, user: User) -> None:
    """Inside the closing transaction: the user leaves every company's staff and their API keys
    are revoked; refused while they are a company's only owner (409 naming it)."""
    roles = CompanyStaff.objects.filter(user=user).select_related("company").order_by("company_id")
    for staff in roles:
        if staff.role == CompanyStaff.Role.OWNER:
            owners = CompanyStaff.objects.filter(company=staff.company_id, role=CompanyStaff.Role.OWNER)
            if not owners.exclude(user=user).exists():
                raise Conflict(
                    f"You are the only owner of {staff.company.legal_name}; make someone else owner first.",
                    attr="company",
                )
    for staff in roles:
        security_event_record(
            kind=SecurityEvent.Kind.STAFF_CHANGED,
            user=user,
            actor=user,
            company_id=staff.company_id,
            role=None,
            previous_role=staff.role,
        )
    roles.delete()
    ApiKey.objects.filter(created_by=user, revoked_at=None).update(revoked_at=timezone.now())
