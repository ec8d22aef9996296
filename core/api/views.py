from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from core.api.fields import ID_PATTERN
from core.api.serializers import (
    JobSerializer,
    RegisterSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    UserSerializer,
)
from core.models import Job
from core.permissions import is_operator
from core.services import job_cancel, user_register, user_token_get_or_create


class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=RegisterSerializer, responses={201: UserSerializer}, tags=["auth"])
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_register(**serializer.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer}, tags=["auth"])
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request,
            username=serializer.validated_data["email"].lower(),
            password=serializer.validated_data["password"],
        )
        if user is None:
            raise ValidationError({"non_field_errors": ["Wrong email or password."]}, code="invalid_credentials")
        return Response({"token": user_token_get_or_create(user=user)})


@extend_schema(tags=["jobs"])
class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Long-running work: its owner and operators see it."""

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
