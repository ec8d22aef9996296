"""API keys for integrations: created by a company's owner for the company (or by an operator
for the platform), with scopes; shown once, stored as knox's digest, revocable."""

from hmac import compare_digest

from django.db import transaction
from django.utils import timezone
from knox.crypto import create_token_string, hash_token

from brands.models import ApiKey, Company, CompanyStaff
from brands.selectors import user_company_roles_confine, user_has_company_role
from core.errors import InvalidInput, NotPermitted
from core.models import SecurityEvent, User
from core.permissions import API_KEY_SCOPES, is_operator, user_confine_to_company
from core.services import security_event_record

LOOKUP_LENGTH = len(ApiKey.PREFIX) + 15
LAST_USED_PRECISION_SECONDS = 60  # last use written at most once a minute


def _require_manager(company: Company | None, actor: User) -> None:
    if is_operator(actor):
        return
    if company is None or not user_has_company_role(actor, company.pk, CompanyStaff.Role.OWNER):
        raise NotPermitted(
            "Only the company's owners manage its API keys." if company else "Only operators manage platform keys."
        )


@transaction.atomic
def api_key_create(
    *, actor: User, company: Company | None, name: str, scopes: list[str], request=None
) -> tuple[ApiKey, str]:
    """A key for `company`, or a platform key (company None, operators only); the secret is
    returned here only."""
    _require_manager(company, actor)
    unknown = sorted(set(scopes) - set(API_KEY_SCOPES))
    if unknown:
        raise InvalidInput(f"Unknown scopes: {', '.join(unknown)}; known: {', '.join(API_KEY_SCOPES)}.", attr="scopes")
    if not scopes:
        raise InvalidInput("A key needs at least one scope.", attr="scopes")
    secret = ApiKey.PREFIX + create_token_string()
    key = ApiKey.objects.create(
        company=company,
        name=name,
        scopes=sorted(set(scopes)),
        token_key=secret[:LOOKUP_LENGTH],
        digest=hash_token(secret),
        created_by=actor,
    )
    security_event_record(
        kind=SecurityEvent.Kind.API_KEY_CREATED,
        actor=actor,
        company_id=company.pk if company else None,
        request=request,
        key=key.pk,
        name=name,
        scopes=key.scopes,
    )
    return key, secret


@transaction.atomic
def api_key_revoke(*, key: ApiKey, actor: User, request=None) -> ApiKey:
    _require_manager(key.company, actor)
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        security_event_record(
            kind=SecurityEvent.Kind.API_KEY_REVOKED,
            actor=actor,
            company_id=key.company_id,
            request=request,
            key=key.pk,
            name=key.name,
        )
    return key


def api_key_authenticate(*, secret: str) -> tuple[User, ApiKey] | None:
    """The acting user and the key, or None for an unknown, revoked or orphaned key. The user
    is confined, for this request, to the key's company (as editor with a write scope, else
    viewer) without operator rights; a platform key acts as its operator."""
    digest = hash_token(secret)
    key = next(
        (
            key
            for key in ApiKey.objects.filter(token_key=secret[:LOOKUP_LENGTH], revoked_at=None).select_related(
                "created_by"
            )
            if compare_digest(key.digest, digest)
        ),
        None,
    )
    if key is None or not key.created_by.is_active:
        return None
    user = key.created_by
    if key.company_id is None:
        if not is_operator(user):
            return None
        user_company_roles_confine(user, {})
    else:
        owner = CompanyStaff.objects.filter(company_id=key.company_id, user=user, role=CompanyStaff.Role.OWNER)
        if not owner.exists():
            return None
        writes = any(scope.endswith((":write", ":manage")) for scope in key.scopes)
        user_company_roles_confine(
            user, {key.company_id: CompanyStaff.Role.EDITOR if writes else CompanyStaff.Role.VIEWER}
        )
        user_confine_to_company(user)
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > LAST_USED_PRECISION_SECONDS:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return user, key
