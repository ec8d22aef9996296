from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from core import accounts, emails
from core.api.fields import ID_PATTERN
from core.api.permissions import scopes_for
from core.api.serializers import (
    AuthTokenSerializer,
    DetailSerializer,
    EmailVerifySerializer,
    JobSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetSerializer,
    RegisterSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    UserSerializer,
)
from core.models import AuthToken, Job
from core.permissions import is_operator
from core.services import job_cancel, user_token_revoke, user_tokens_revoke


class PublicAuthView(APIView):
    """Auth doors open to anyone, throttled together under the "auth" rate."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"


class RegisterView(PublicAuthView):
    @extend_schema(request=RegisterSerializer, responses={201: UserSerializer}, tags=["auth"])
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = accounts.user_register(**serializer.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenView(PublicAuthView):
    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer}, tags=["auth"])
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        token, secret = accounts.user_login(
            email=data["email"],
            password=data["password"],
            otp=data.get("otp", ""),
            token_name=data.get("name", ""),
            request=request,
        )
        return Response({"token": secret, "id": token.pk, "expires": token.expiry})


@extend_schema(tags=["auth"])
class AuthTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The caller's own login tokens: name, created, last used, expiry; never the secret."""

    queryset = AuthToken.objects.none()  # for the schema; get_queryset scopes the real one
    serializer_class = AuthTokenSerializer
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return AuthToken.objects.filter(user=self.request.user).order_by("-pk")

    def perform_destroy(self, instance):
        user_token_revoke(token=instance, actor=self.request.user, request=self.request)


class LogoutView(APIView):
    @extend_schema(request=None, responses={204: None}, tags=["auth"])
    def post(self, request):
        """Revokes the token of this request."""
        if not isinstance(request.auth, AuthToken):
            raise ValidationError({"non_field_errors": ["Only a login token can log out; this request has none."]})
        user_token_revoke(token=request.auth, actor=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    @extend_schema(request=None, responses={204: None}, tags=["auth"])
    def post(self, request):
        """Revokes every token of the caller, this one included."""
        user_tokens_revoke(user=request.user, actor=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetView(PublicAuthView):
    @extend_schema(request=PasswordResetSerializer, responses={202: DetailSerializer}, tags=["auth"])
    def post(self, request):
        serializer = PasswordResetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        accounts.password_reset_request(email=serializer.validated_data["email"], request=request)
        detail = "If an account has this e-mail address, a link to reset its password is on its way."
        return Response({"detail": detail}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(PublicAuthView):
    @extend_schema(request=PasswordResetConfirmSerializer, responses={204: None}, tags=["auth"])
    def post(self, request):
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        accounts.password_reset_confirm(**serializer.validated_data, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=PasswordChangeSerializer, responses={204: None}, tags=["auth"])
    def post(self, request):
        """Changes the password; every other token and session is revoked, this token kept."""
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        keep = request.auth if isinstance(request.auth, AuthToken) else None
        accounts.password_change(user=request.user, keep=keep, request=request, **serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailVerifyView(PublicAuthView):
    @extend_schema(request=EmailVerifySerializer, responses={200: UserSerializer}, tags=["auth"])
    def post(self, request):
        serializer = EmailVerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = accounts.email_verify(token=serializer.validated_data["token"], request=request)
        return Response(UserSerializer(user).data)


class EmailVerifyResendView(APIView):
    @extend_schema(request=None, responses={202: DetailSerializer}, tags=["auth"])
    def post(self, request):
        accounts.email_verification_resend(user=request.user)
        return Response({"detail": "A new link is on its way."}, status=status.HTTP_202_ACCEPTED)


class NotificationPreferencesView(APIView):
    """The caller's optional e-mails, each on or off; transactional ones always go."""

    @extend_schema(responses={200: {"type": "object", "additionalProperties": {"type": "boolean"}}}, tags=["auth"])
    def get(self, request):
        return Response(emails.notification_preferences_get(user=request.user))

    @extend_schema(
        request={"application/json": {"type": "object", "additionalProperties": {"type": "boolean"}}},
        responses={200: {"type": "object", "additionalProperties": {"type": "boolean"}}},
        tags=["auth"],
    )
    def patch(self, request):
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": ["Send an object of e-mail name to true or false."]})
        return Response(emails.notification_preferences_set(user=request.user, choices=dict(request.data)))


class MeExportView(APIView):
    @extend_schema(responses={200: dict}, tags=["auth"])
    def get(self, request):
        """Everything the platform holds about the caller, as JSON."""
        response = Response(accounts.user_data_export(user=request.user, request=request))
        response["Content-Disposition"] = 'attachment; filename="my-data.json"'
        return response


@extend_schema(tags=["jobs"])
class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Long-running work: its owner and operators see it."""

    required_scopes = scopes_for("listings")  # for API keys

    queryset = Job.objects.none()  # for the schema; get_queryset scopes the real one
    serializer_class = JobSerializer
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["kind", "status"]

    def get_queryset(self):
        jobs = Job.objects.order_by("-pk")
        return jobs if is_operator(self.request.user) else jobs.filter(owner=self.request.user)

    @extend_schema(request=None, responses=JobSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return Response(JobSerializer(job_cancel(job=self.get_object())).data)


def _error(status: int, code: str, detail: str, kind: str = "client_error"):
    from django.http import JsonResponse

    return JsonResponse({"type": kind, "errors": [{"code": code, "detail": detail, "attr": None}]}, status=status)


def not_found(request, exception=None):
    """A URL that matches no route (e.g. a malformed id): the API's error shape, not HTML."""
    return _error(404, "not_found", "Not found.")


def server_error(request):
    import sys

    from core.outages import is_outage, outage_response

    if is_outage(sys.exc_info()[1]):
        return outage_response()
    return _error(500, "error", "Server Error (500)", kind="server_error")
