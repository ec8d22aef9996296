from rest_framework import serializers

from core.api.fields import StrictSerializer
from core.models import Job, User


class RegisterSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    full_name = serializers.CharField(max_length=200)


class TokenRequestSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "full_name", "date_joined"]
        read_only_fields = fields


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
