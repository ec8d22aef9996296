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
from marketplace.exchange_selectors import exchanges_by_order
from marketplace.models import Checkout, Exchange, Order, OrderEvent, OrderLine, Payment, Refund
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
            cache[checkout.pk] = checkout_price(checkout=checkout, rates=self.context.get("rates"), with_options=False)
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


class RefundSerializer(serializers.ModelSerializer):
    amount = MoneyField(amount="amount")

    class Meta:
        model = Refund
        fields = ["id", "amount", "currency", "status", "reason", "gateway_refund_id", "created_at", "executed_at"]
        read_only_fields = fields


class ExchangePaymentSerializer(serializers.ModelSerializer):
    """The payment of a dearer replacement's difference; its client secret only to the buyer,
    who confirms it as at checkout."""

    amount = MoneyField(amount="amount")
    captured_amount = MoneyField(amount="captured_amount")
    client_secret = serializers.SerializerMethodField()

    class Meta:
        model = Payment
        fields = ["gateway", "intent_id", "status", "amount", "captured_amount", "client_secret"]
        read_only_fields = fields

    def get_client_secret(self, payment) -> str | None:
        request = self.context.get("request")
        buyer_id = payment.order.buyer_id
        return payment.client_secret if request is not None and buyer_id and request.user.pk == buyer_id else None


class ExchangeSerializer(serializers.ModelSerializer):
    """The replacement a return asks for, what it costs the buyer (`difference`: positive to pay,
    negative refunded) and its own shipments on the order."""

    return_request = serializers.IntegerField(source="return_request_id")
    original_line = serializers.IntegerField(source="return_request.order_line_id")
    original_sku = serializers.CharField(source="return_request.order_line.sku")
    replacement_variant = serializers.IntegerField(source="replacement_variant_id")
    quantity = serializers.IntegerField(source="return_request.quantity")
    unit_price = serializers.SerializerMethodField()
    difference = serializers.SerializerMethodField()
    payment = ExchangePaymentSerializer(allow_null=True)
    refund = RefundSerializer(allow_null=True)
    shipments = serializers.SerializerMethodField()

    class Meta:
        model = Exchange
        fields = [
            "id",
            "status",
            "return_request",
            "original_line",
            "original_sku",
            "replacement_variant",
            "replacement_sku",
            "quantity",
            "unit_price",
            "difference",
            "payment",
            "refund",
            "note",
            "shipments",
            "created_at",
        ]
        read_only_fields = fields

    def _money(self, exchange, amount) -> dict:
        return Money(amount, exchange.return_request.order_line.order.currency).as_dict()

    @extend_schema_field(MoneyField)
    def get_unit_price(self, exchange) -> dict:
        return self._money(exchange, exchange.unit_price)

    @extend_schema_field(MoneyField)
    def get_difference(self, exchange) -> dict:
        return self._money(exchange, exchange.difference)

    @extend_schema_field(OrderShipmentSerializer(many=True))
    def get_shipments(self, exchange) -> list[dict]:
        found = self.context.get("shipments")
        if found is None or exchange.reference not in found:
            found = shipments_by_reference(references=[exchange.reference])
        return OrderShipmentSerializer(found.get(exchange.reference, []), many=True).data


class OrderSerializer(serializers.ModelSerializer):
    lines = OrderLineSerializer(many=True)
    events = OrderEventSerializer(many=True)
    payments = PaymentSerializer(many=True)
    shipments = serializers.SerializerMethodField(help_text="The order's and its exchanges' replacement shipments.")
    exchanges = serializers.SerializerMethodField()
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
            "exchanges",
            "events",
            "created_at",
            "paid_at",
        ]
        read_only_fields = fields

    def _exchanges(self, order) -> list[Exchange]:
        """From the context's map when the view loaded a page of orders at once."""
        found = self.context.get("exchanges")
        if found is None:
            found = exchanges_by_order(order_ids=[order.pk])
        return found.get(order.pk, [])

    @extend_schema_field(OrderShipmentSerializer(many=True))
    def get_shipments(self, order) -> list[dict]:
        """From the context's map when the view loaded a page of orders at once."""
        references = [order.reservation_reference, *(e.reference for e in self._exchanges(order))]
        found = self.context.get("shipments")
        if found is None:
            found = shipments_by_reference(references=references)
        shipments = [shipment for reference in references for shipment in found.get(reference, [])]
        return OrderShipmentSerializer(sorted(shipments, key=lambda s: s.pk), many=True).data

    @extend_schema_field(ExchangeSerializer(many=True))
    def get_exchanges(self, order) -> list[dict]:
        return ExchangeSerializer(self._exchanges(order), many=True, context=self.context).data

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


class DummyConfirmSerializer(StrictSerializer):
    client_secret = serializers.CharField(max_length=200)
    card_number = serializers.CharField(max_length=19)
