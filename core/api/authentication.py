from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from knox.settings import knox_settings


class BearerTokenAuthentication(TokenAuthentication):
    """`Authorization: Bearer <token>` (django-rest-knox, REST_KNOX's AUTH_HEADER_PREFIX): the
    stored digest is compared, the expiry slides on use and the last use is recorded, both
    written at most once per MIN_REFRESH_INTERVAL so reads do not write on every request."""

    def renew_token(self, auth_token) -> None:
        now = timezone.now()
        if (now + knox_settings.TOKEN_TTL - auth_token.expiry).total_seconds() > knox_settings.MIN_REFRESH_INTERVAL:
            auth_token.expiry = now + knox_settings.TOKEN_TTL
            auth_token.last_used_at = now
            auth_token.save(update_fields=["expiry", "last_used_at"])


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "core.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
