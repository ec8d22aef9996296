from datetime import date
from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.fields import MoneyField, StrictSerializer
from core.money import Money
from logistics.api.fulfilment import ShipmentLineSerializer, ShipmentStatusField, TrackingEventSerializer
from logistics.backorder_selectors import variant_ship_dates
from logistics.models import Shipment
from logistics.selectors import shipments_by_reference, variant_available_units
from marketplace.models import Checkout, Order, OrderEvent, OrderLine, Payment, Refund, ReturnRequest
from marketplace.selectors import order_line_ships_on
from marketplace.services.checkout import Priced, checkout_price


class CheckoutLineWriteSerializer(StrictSerializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=1000)


class AddressSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    lines = serializers.ListField(child=serializers.CharField(max_length=200), min_length=1, max_length=4)
    city = serializers.CharField(max_length=100)
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    country = serializers.CharField(min_length=2, max_length=2)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)


class CheckoutAddressesSerializer(StrictSerializer):
    """An address in full, or the id of one in the buyer's address book (`<name>_id`)."""

    shipping_address = AddressSerializer(required=False)
    shipping_address_id = serializers.IntegerField(min_value=1, required=False)
    billing_address = AddressSerializer(required=False, help_text="Omitted: billing goes to the shipping address.")
    billing_address_id = serializers.IntegerField(min_value=1, required=False)
    discount_code = serializers.CharField(max_length=40, required=False, allow_blank=True, help_text="'' removes it.")

    def validate(self, data):
        for name in ("shipping_address", "billing_address"):
            if name in data and f"{name}_id" in data:
                raise serializers.ValidationError({f"{name}_id": ["Send the address or its id, not both."]})
        return data


class CheckoutCreateSerializer(CheckoutAddressesSerializer):
    lines = CheckoutLineWriteSerializer(many=True, allow_empty=False, max_length=200)
    currency = serializers.CharField(min_length=3, max_length=3)
    email = serializers.EmailField()


class CheckoutUpdateSerializer(CheckoutAddressesSerializer):
    lines = CheckoutLineWriteSerializer(many=True, allow_empty=False, max_length=200, required=False)
    email = serializers.EmailField(required=False)
    shipping_option = serializers.CharField(max_length=100, required=False, help_text="An id from shipping-options.")


class CheckoutSerializer(serializers.ModelSerializer):
    lines = serializers.SerializerMethodField()
    totals = serializers.SerializerMethodField()
    secret = serializers.SerializerMethodField()

    class Meta:
        model = Checkout
        fields = [
            "id",
            "secret",
            "status",
            "email",
            "currency",
            "lines",
            "shipping_address",
            "billing_address",
            "discount_code",
            "shipping_option",
            "incoterm",
            "totals",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _priced(self, checkout) -> Priced:
        """Priced once per checkout for both its lines and its totals."""
        cache = self.context.setdefault("priced", {})
        if checkout.pk not in cache:
            cache[checkout.pk] = checkout_price(checkout=checkout, with_options=False)
        return cache[checkout.pk]

    def get_secret(self, checkout) -> str | None:
        """Shown once, to the creator: anonymous buyers send it back as X-Checkout-Secret."""
        return checkout.secret if self.context.get("show_secret") else None

    def get_lines(self, checkout) -> list[dict]:
        """Each line's price, the promotion's discount on it and what it costs after, before
        duties and taxes."""
        priced = self._priced(checkout)
        beyond = [g.variant for g in priced.goods if g.variant.sells_beyond_stock]
        units = variant_available_units([v.pk for v in beyond]) if beyond else {}
        dates = variant_ship_dates(beyond)
        lines = []
        for good in priced.goods:
            # Sold beyond stock when stock does not cover the line: it ships by the date shown.
            short = good.variant.pk in dates and units.get(good.variant.pk, 0) < good.quantity
            found = priced.deal.line(good.variant.pk)
            gross = good.price.amount * good.quantity
            discount = found.amount.amount if found else Decimal(0)
            lines.append(
                {
                    "sku": good.variant.sku,
                    "quantity": good.quantity,
                    "unit_price": good.price.as_dict(),
                    "discount": Money(discount, checkout.currency).as_dict(),
                    "promotion": found.promotion.name if found else None,
                    "total": Money(gross - discount, checkout.currency).as_dict(),
                    "availability": good.variant.availability if short else "in_stock",
                    "ships_on": dates[good.variant.pk] if short else None,
                }
            )
        return lines

    def get_totals(self, checkout) -> dict:
        totals = self._priced(checkout).totals(checkout.currency, checkout.shipping_option)
        names = ("subtotal", "discount", "shipping", "duties", "taxes", "total")
        return {name: getattr(totals, name).as_dict() for name in names}


class CompleteResponseSerializer(serializers.Serializer):
    order = serializers.CharField()
    order_id = serializers.IntegerField()
    payment = serializers.DictField()


class OrderLineSerializer(serializers.ModelSerializer):
    ships_on = serializers.SerializerMethodField()
    unit_price = serializers.SerializerMethodField()
    discount = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    seller = serializers.IntegerField(source="seller_id")

    class Meta:
        model = OrderLine
        fields = [
            "id",
            "sku",
            "title",
            "seller",
            "quantity",
            "unit_price",
            "discount",
            "total",
            "quantity_fulfilled",
            "quantity_returned",
            "availability",
            "quantity_backordered",
            "ships_on",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_ships_on(self, line) -> date | None:
        """When the line's backordered units are expected to ship (None: nothing waits for goods);
        from the context's map when the view loaded a page of orders at once."""
        found = self.context.get("backorders") or {}
        return order_line_ships_on(line, found.get(line.order.reservation_reference))

    def get_unit_price(self, line) -> dict:
        return Money(line.unit_price, line.order.currency).as_dict()

    def get_discount(self, line) -> dict:
        return Money(line.discount, line.order.currency).as_dict()

    def get_total(self, line) -> dict:
        return Money(line.total, line.order.currency).as_dict()


class OrderEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderEvent
        fields = ["kind", "data", "created_at"]
        read_only_fields = fields


class OrderShipmentSerializer(serializers.ModelSerializer):
    """A parcel on its way to the buyer: carrier, tracking number, where it is, and what is in it."""

    status = ShipmentStatusField(read_only=True)
    lines = ShipmentLineSerializer(many=True)
    events = TrackingEventSerializer(many=True)

    class Meta:
        model = Shipment
        fields = [
            "id",
            "carrier",
            "service",
            "tracking_number",
            "status",
            "shipped_at",
            "delivered_at",
            "lines",
            "events",
        ]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    amount = MoneyField(amount="amount")
    captured_amount = MoneyField(amount="captured_amount")
    refunded_amount = MoneyField(amount="refunded_amount")

    class Meta:
        model = Payment
        fields = ["gateway", "intent_id", "status", "amount", "captured_amount", "refunded_amount", "currency"]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    lines = OrderLineSerializer(many=True)
    events = OrderEventSerializer(many=True)
    payments = PaymentSerializer(many=True)
    shipments = serializers.SerializerMethodField()
    totals = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "source",
            "status",
            "email",
            "currency",
            "totals",
            "incoterm",
            "shipping_address",
            "billing_address",
            "shipping_option",
            "lines",
            "payments",
            "shipments",
            "events",
            "created_at",
            "paid_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OrderShipmentSerializer(many=True))
    def get_shipments(self, order) -> list[dict]:
        """From the context's map when the view loaded a page of orders at once."""
        found = self.context.get("shipments")
        if found is None:
            found = shipments_by_reference(references=[order.reservation_reference])
        return OrderShipmentSerializer(found.get(order.reservation_reference, []), many=True).data

    def get_totals(self, order) -> dict:
        names = ("subtotal", "discount", "shipping", "duties", "taxes", "total")
        return {name: order.money(name).as_dict() for name in names}


class SellerOrderSerializer(serializers.ModelSerializer):
    """An order as one seller sees it: only its own lines."""

    lines = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "status",
            "currency",
            "incoterm",
            "shipping_address",
            "lines",
            "created_at",
            "paid_at",
        ]
        read_only_fields = fields

    def get_lines(self, order) -> list:
        return OrderLineSerializer(order.seller_lines, many=True).data


class CancelSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=500, required=False, default="")


class RefundWriteSerializer(StrictSerializer):
    amount = MoneyField()
    reason = serializers.CharField(max_length=300)
    return_request = serializers.IntegerField(required=False, min_value=1)


class RefundSerializer(serializers.ModelSerializer):
    amount = MoneyField(amount="amount")

    class Meta:
        model = Refund
        fields = ["id", "amount", "currency", "status", "reason", "gateway_refund_id", "created_at", "executed_at"]
        read_only_fields = fields


class DummyConfirmSerializer(StrictSerializer):
    client_secret = serializers.CharField(max_length=200)
    card_number = serializers.CharField(max_length=19)


class ReturnCreateSerializer(StrictSerializer):
    order_line = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=1, max_value=10000)
    reason = serializers.ChoiceField(choices=ReturnRequest.Reason.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ReturnSerializer(serializers.ModelSerializer):
    order = serializers.CharField(source="order_line.order.number")
    sku = serializers.CharField(source="order_line.sku")
    refund = RefundSerializer(allow_null=True)
    events = serializers.SerializerMethodField()

    class Meta:
        model = ReturnRequest
        fields = [
            "id",
            "order",
            "order_line",
            "sku",
            "quantity",
            "reason",
            "note",
            "status",
            "refund",
            "events",
            "created_at",
        ]
        read_only_fields = fields

    def get_events(self, request) -> list[dict]:
        return [{"kind": e.kind, "note": e.note, "created_at": e.created_at} for e in request.events.all()]
