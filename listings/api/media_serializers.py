"""The multipart form of an image upload. The image itself is checked by listings.media (one place
for what an acceptable image is); this only reads the form fields."""

import json

from rest_framework import serializers

from core.api.fields import StrictSerializer


class MediaUploadSerializer(StrictSerializer):
    """An image for the product, as multipart form fields."""

    image = serializers.FileField(
        allow_empty_file=False, help_text="A JPEG, PNG or WebP image of at most 10 MB, 100 to 10,000 px a side."
    )
    alt_text = serializers.CharField(
        required=False,
        max_length=5000,
        help_text='A JSON object of locale to alt text, e.g. {"en": "Lamp, front view", "ko": "무드등 정면"}.',
    )
    position = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=10_000, help_text="0 is first; the end when omitted."
    )

    def validate_alt_text(self, value: str) -> dict:
        try:
            parsed = json.loads(value) if value.strip() else {}
        except ValueError:
            raise serializers.ValidationError("Send the alt text as a JSON object of locale to text.") from None
        if not isinstance(parsed, dict):
            raise serializers.ValidationError("Send the alt text as a JSON object of locale to text.")
        return parsed
