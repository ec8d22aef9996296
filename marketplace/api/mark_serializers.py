from django.utils import timezone
from rest_framework import serializers

from core.api.fields import MAX_ID, StrictSerializer
from marketplace.models import PlatformMark


class PlatformMarkSerializer(serializers.ModelSerializer):
    valid = serializers.SerializerMethodField(help_text="Awarded, not expired, and the product unchanged since.")

    class Meta:
        model = PlatformMark
        fields = [
            "id",
            "product",
            "status",
            "valid",
            "results",
            "notes",
            "awarded_at",
            "expires_at",
            "revoked_at",
            "revoke_reason",
        ]
        read_only_fields = fields

    def get_valid(self, mark) -> bool:
        return (
            mark.status == PlatformMark.Status.AWARDED
            and mark.expires_at > timezone.now()
            and mark.content_hash == mark.product.content_hash
        )


class InspectionItemSerializer(StrictSerializer):
    passed = serializers.BooleanField()
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class PlatformMarkAwardSerializer(StrictSerializer):
    product = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    results = serializers.DictField(child=InspectionItemSerializer(), help_text="{item code: {passed, note}}")
    notes = serializers.CharField(max_length=5000, required=False, default="", allow_blank=True)


class RevokeSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=5000)
