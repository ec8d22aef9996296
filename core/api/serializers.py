from django.conf import settings
from rest_framework import serializers

from core.api.fields import StrictSerializer
from core.models import AuthToken, Job, SecurityEvent, User


class RegisterSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    full_name = serializers.CharField(max_length=200)


class TokenRequestSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    otp = serializers.CharField(
        required=False, allow_blank=True, max_length=32, help_text="Operators: the TOTP code or a recovery code."
    )
    name = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="The device or client, shown in auth/tokens/."
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Shown once; send it as `Authorization: Bearer <token>`.")
    id = serializers.IntegerField()
    expires = serializers.DateTimeField(help_text="Slides forward AUTH_TOKEN_TTL on each use.")


class AuthTokenSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField()

    class Meta:
        model = AuthToken
        fields = ["id", "name", "created", "last_used_at", "expiry", "current"]
        read_only_fields = fields

    def get_current(self, token) -> bool:
        request = self.context.get("request")
        return bool(request and isinstance(request.auth, AuthToken) and request.auth.pk == token.pk)


class PasswordResetSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmSerializer(StrictSerializer):
    uid = serializers.CharField(max_length=50)
    token = serializers.CharField(max_length=100)
    new_password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})


class PasswordChangeSerializer(StrictSerializer):
    current_password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    new_password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})


class EmailVerifySerializer(StrictSerializer):
    token = serializers.CharField(max_length=500)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "full_name", "date_joined", "email_verified_at"]
        read_only_fields = fields


class UserLocaleSerializer(StrictSerializer):
    locale = serializers.ChoiceField(
        choices=settings.CONTENT_LOCALES,
        allow_blank=True,
        required=False,
        help_text="Language of your staff e-mails: one of the content locales; blank for the platform default.",
    )


class JobErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(required=False)
    column = serializers.CharField(required=False)
    item = serializers.CharField(required=False)
    message = serializers.CharField()


class JobSerializer(serializers.ModelSerializer):
    progress = serializers.IntegerField(allow_null=True, help_text="Percent done, when the total is known.")
    errors = JobErrorSerializer(many=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "scope",
            "total",
            "processed",
            "progress",
            "counts",
            "error_count",
            "errors",
            "message",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class SecurityEventSerializer(serializers.ModelSerializer):
    user = serializers.EmailField(source="user.email", allow_null=True, default=None)
    actor = serializers.EmailField(source="actor.email", allow_null=True, default=None)

    class Meta:
        model = SecurityEvent
        fields = ["id", "kind", "user", "actor", "ip_address", "user_agent", "detail", "created_at"]
        read_only_fields = fields
