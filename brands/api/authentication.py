from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from brands.models import ApiKey
from brands.services import api_key_authenticate


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer key_...`: an integration's API key (brands.ApiKey). Other bearer
    tokens are left to the login-token authentication that follows."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != b"bearer" or not parts[1].startswith(ApiKey.PREFIX.encode()):
            return None
        result = api_key_authenticate(secret=parts[1].decode("latin-1"))
        if result is None:
            raise AuthenticationFailed("Invalid or revoked API key.")
        return result

    def authenticate_header(self, request):
        return "Bearer"


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "brands.api.authentication.ApiKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An integration's API key (`key_...`)."}
