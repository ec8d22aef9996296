"""B2B terms' HTTP door: sellers' negotiated price lists, the net terms operators grant to
buyer companies and the invoices of orders on them. Each queryset is scoped to what the caller
may see (the seller's staff, the buyer's staff, operators), so another party's row is a 404."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from brands.models import Company
from core.api.fields import ID_PATTERN
from core.api.permissions import scopes_for
from core.errors import InvalidInput, NotPermitted
from core.permissions import is_operator
from listings.models import Product
from marketplace.api.b2b_serializers import (
    CreditLineSerializer,
    CreditLineWriteSerializer,
    PriceListSerializer,
    PriceListWriteSerializer,
    TermsInvoiceSerializer,
    TermsSettleSerializer,
)
from marketplace.b2b_selectors import credit_line_list, price_list_list, terms_invoice_list
from marketplace.models import BuyerCompany, CreditLine, PriceList, TermsInvoice
from marketplace.services.b2b_terms import (
    PriceEntrySpec,
    credit_line_grant,
    price_list_archive,
    price_list_create,
    terms_invoice_settle,
)


def _referenced(model, pk: int, attr: str):
    row = model.objects.filter(pk=pk).first()
    if row is None:
        raise InvalidInput(f"No such {attr.split('.')[-1].replace('_', ' ')}.", attr=attr)
    return row


@extend_schema(tags=["trade"])
class PriceListViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """A seller's negotiated prices for a verified buyer company; a new list for the same buyer
    replaces the active one."""

    required_scopes = scopes_for("trade")  # for API keys

    queryset = PriceList.objects.none()
    serializer_class = PriceListSerializer
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["status", "company", "buyer_company"]

    def get_queryset(self):
        return price_list_list(user=self.request.user)

    @extend_schema(request=PriceListWriteSerializer, responses={201: PriceListSerializer})
    def create(self, request):
        body = PriceListWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        products = {p.pk: p for p in Product.objects.filter(pk__in=[e["product"] for e in data["entries"]])}
        entries = []
        for i, entry in enumerate(data["entries"]):
            if entry["product"] not in products:
                raise InvalidInput("No such product.", attr=f"entries.{i}.product")
            entries.append(PriceEntrySpec(products[entry["product"]], entry["unit_price"], entry["min_quantity"]))
        price_list = price_list_create(
            actor=request.user,
            company=_referenced(Company, data["company"], "company"),
            buyer_company=_referenced(BuyerCompany, data["buyer_company"], "buyer_company"),
            name=data["name"],
            currency=data["currency"],
            valid_until=data["valid_until"],
            entries=entries,
        )
        return Response(PriceListSerializer(self.get_queryset().get(pk=price_list.pk)).data, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=PriceListSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        price_list = price_list_archive(actor=request.user, price_list=self.get_object())
        return Response(PriceListSerializer(self.get_queryset().get(pk=price_list.pk)).data)


@extend_schema(tags=["trade"])
class CreditLineViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Net terms (30, 60 or 90 days up to a credit limit): operators grant them; the buyer
    company's staff see theirs, with what its open invoices use."""

    required_scopes = scopes_for("trade")  # for API keys

    queryset = CreditLine.objects.none()
    serializer_class = CreditLineSerializer
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return credit_line_list(user=self.request.user)

    @extend_schema(request=CreditLineWriteSerializer, responses={201: CreditLineSerializer})
    def create(self, request):
        if not is_operator(request.user):
            raise NotPermitted("Only an operator grants net terms.")
        body = CreditLineWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        line = credit_line_grant(
            actor=request.user,
            buyer_company=_referenced(BuyerCompany, data["buyer_company"], "buyer_company"),
            net_days=data["net_days"],
            credit_limit=data["credit_limit"],
        )
        return Response(CreditLineSerializer(self.get_queryset().get(pk=line.pk)).data, status.HTTP_201_CREATED)


@extend_schema(tags=["trade"])
class TermsInvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """What buyer companies owe for orders on net terms, each due on its date; operators record
    the payments."""

    required_scopes = scopes_for("orders")  # for API keys

    queryset = TermsInvoice.objects.none()
    serializer_class = TermsInvoiceSerializer
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["status", "buyer_company"]

    def get_queryset(self):
        return terms_invoice_list(user=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    @extend_schema(request=TermsSettleSerializer, responses=TermsInvoiceSerializer)
    @action(detail=True, methods=["post"])
    def settle(self, request, pk=None):
        invoice = self.get_object()  # another buyer's invoice stays a 404
        body = TermsSettleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        invoice = terms_invoice_settle(actor=request.user, invoice=invoice, **body.validated_data)
        invoice = self.get_queryset().get(pk=invoice.pk)
        return Response(TermsInvoiceSerializer(invoice, context=self.get_serializer_context()).data)
