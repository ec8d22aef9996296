from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from brands.models import Brand, Company
from core.api.fields import MAX_ID, StrictSerializer
from core.api.serializers import JobSerializer
from integrations.models import Channel, ChannelListing, SyndicationJob
from integrations.selectors import channel_rules


class FindingSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable across channels: missing_locale, category_unmapped, ...")
    severity = serializers.ChoiceField(choices=["error", "warning"])
    attribute = serializers.CharField()
    message = serializers.CharField()
    source = serializers.ChoiceField(choices=["listing", "channel", "customs", "brand"])


class ChannelSerializer(serializers.ModelSerializer):
    destination_country = serializers.CharField()
    rules = serializers.SerializerMethodField()

    class Meta:
        model = Channel
        fields = [
            "id",
            "code",
            "name",
            "connector",
            "locales",
            "currency",
            "destination_country",
            "rate_limit_per_second",
            "batch_size",
            "sync_interval_minutes",
            "last_synced_at",
            "rules",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField(help_text="What the channel's connector requires of a listing."))
    def get_rules(self, channel) -> dict:
        return channel_rules(channel)


class ChannelListingSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="code", read_only=True)
    product_slug = serializers.CharField(source="product.slug", read_only=True)
    issues = FindingSerializer(many=True)
    blocking_issue_codes = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = ChannelListing
        fields = [
            "id",
            "channel",
            "product",
            "product_slug",
            "status",
            "ready",
            "blocking_issue_codes",
            "issues",
            "external_id",
            "last_sent_hash",
            "attempts",
            "checked_at",
            "submitted_at",
            "live_at",
            "rejected_at",
            "delisted_at",
            "updated_at",
        ]
        read_only_fields = fields


class OutcomeSerializer(serializers.Serializer):
    product = serializers.IntegerField()
    reference = serializers.CharField()
    outcome = serializers.ChoiceField(choices=["live", "submitted", "rejected", "failed", "delisted"])
    external_id = serializers.CharField(allow_blank=True)
    issues = serializers.ListField(child=serializers.DictField())


class SyndicationJobSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="code", read_only=True)
    brand = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    job = JobSerializer()
    status = serializers.CharField(source="job.status")
    progress = serializers.IntegerField(source="job.progress", allow_null=True)
    counts = serializers.DictField(source="job.counts", child=serializers.IntegerField())
    outcomes = OutcomeSerializer(many=True)

    class Meta:
        model = SyndicationJob
        fields = [
            "id",
            "channel",
            "brand",
            "company",
            "product_ids",
            "mode",
            "status",
            "progress",
            "counts",
            "outcomes",
            "job",
            "created_at",
        ]
        read_only_fields = fields


class SyndicationJobCreateSerializer(StrictSerializer):
    channel = serializers.SlugRelatedField(slug_field="code", queryset=Channel.objects.filter(active=True))
    brand = serializers.SlugRelatedField(
        slug_field="slug", queryset=Brand.objects.all(), required=False, allow_null=True
    )
    company = serializers.PrimaryKeyRelatedField(queryset=Company.objects.all(), required=False, allow_null=True)
    products = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, max_length=10000
    )
    mode = serializers.ChoiceField(choices=SyndicationJob.Mode.choices, default=SyndicationJob.Mode.INCREMENTAL)


class ReadinessSerializer(serializers.Serializer):
    channel = serializers.CharField()
    channel_name = serializers.CharField()
    destination_country = serializers.CharField()
    locales = serializers.ListField(child=serializers.CharField())
    ready = serializers.BooleanField()
    blocking_issue_codes = serializers.ListField(child=serializers.CharField())
    issues = FindingSerializer(many=True)
    listing_status = serializers.CharField(allow_null=True)


class ProductReadinessSerializer(serializers.Serializer):
    product = serializers.IntegerField()
    ready_everywhere = serializers.BooleanField()
    channels = ReadinessSerializer(many=True)
