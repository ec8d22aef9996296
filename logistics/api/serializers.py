from rest_framework import serializers

from core.api.fields import CountryField
from logistics.models import Stock, Warehouse


class WarehouseSerializer(serializers.ModelSerializer):
    country = CountryField()
    zone = serializers.CharField(source="zone.code")

    class Meta:
        model = Warehouse
        fields = ["id", "code", "name", "kind", "country", "zone", "capacity_m3", "address"]
        read_only_fields = fields


class StockSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="variant.sku")
    product = serializers.IntegerField(source="variant.product_id")
    warehouse = serializers.CharField(source="warehouse.code")
    available = serializers.IntegerField()

    class Meta:
        model = Stock
        fields = ["id", "sku", "product", "warehouse", "on_hand", "reserved", "available", "quarantined", "updated_at"]
        read_only_fields = fields
