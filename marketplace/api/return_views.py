from django.db.models import Q
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from brands.selectors import user_company_ids
from core.api.fields import ID_PATTERN, StrictSerializer
from core.api.permissions import scopes_for
from core.errors import InvalidInput, NotPermitted, WrongState
from core.permissions import is_operator
from logistics.api.returns import IgnoreAcceptHeader
from logistics.models import PhysicalReturnLine
from logistics.selectors import physical_return_get
from logistics.services import physical_return_label
from marketplace.api.return_serializers import ReturnCreateSerializer, ReturnSerializer
from marketplace.models import OrderLine, ReturnRequest
from marketplace.services.returns import (
    return_goods_inspect,
    return_goods_receive,
    return_goods_resolve,
    return_request_approve,
    return_request_create,
    return_request_reject,
)


class ReturnRejectSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=1000)


class ReturnReceiveSerializer(StrictSerializer):
    quantity_received = serializers.IntegerField(min_value=0, max_value=10000)
    quantity_damaged = serializers.IntegerField(min_value=0, max_value=10000)


class ReturnInspectSerializer(StrictSerializer):
    grades = serializers.DictField(child=serializers.IntegerField(min_value=0, max_value=10000))


class ReturnResolveSerializer(StrictSerializer):
    disposition = serializers.ChoiceField(choices=PhysicalReturnLine.Disposition.choices)


@extend_schema(tags=["returns"])
class ReturnViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Buyers request returns of delivered lines and follow them; sellers see returns of their
    lines; operators approve, receive, inspect and resolve (the goods' side is logistics')."""

    required_scopes = scopes_for("orders")  # for API keys

    queryset = ReturnRequest.objects.none()  # for the schema; get_queryset scopes the real one
    serializer_class = ReturnSerializer
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["status"]

    def get_queryset(self):
        user = self.request.user
        returns = ReturnRequest.objects.select_related(
            "order_line__order",
            "refund",
            "exchange__payment__order",
            "exchange__refund",
            "exchange__return_request__order_line__order",
        ).prefetch_related("events")
        if not is_operator(user):
            returns = returns.filter(
                Q(order_line__order__buyer=user) | Q(order_line__seller_id__in=user_company_ids(user))
            )
        return returns.order_by("-pk")

    def _respond(self, request_id, code=status.HTTP_200_OK):
        found = self.get_queryset().get(pk=request_id)
        return Response(ReturnSerializer(found, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=ReturnCreateSerializer, responses={201: ReturnSerializer})
    def create(self, request):
        body = ReturnCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        line = OrderLine.objects.filter(pk=data.pop("order_line"), order__buyer=request.user).first()
        if line is None:
            raise InvalidInput("Pick a line of one of your orders.", attr="order_line")
        created = return_request_create(buyer=request.user, order_line=line, **data)
        return self._respond(created.pk, status.HTTP_201_CREATED)

    def _operator_request(self, request) -> ReturnRequest:
        if not is_operator(request.user):
            self.get_object()  # another party's return stays a 404
            raise NotPermitted("Only an operator handles returns.")
        return self.get_object()

    @extend_schema(request=None, responses=ReturnSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return_request_approve(request=self._operator_request(request), actor=request.user)
        return self._respond(pk)

    @extend_schema(request=ReturnRejectSerializer, responses=ReturnSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return_request = self._operator_request(request)
        body = ReturnRejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return_request_reject(request=return_request, actor=request.user, **body.validated_data)
        return self._respond(pk)

    def _goods_action(self, request, serializer_class, service):
        return_request = self._operator_request(request)
        body = serializer_class(data=request.data)
        body.is_valid(raise_exception=True)
        service(request=return_request, actor=request.user, **body.validated_data)
        return self._respond(return_request.pk)

    @extend_schema(request=ReturnReceiveSerializer, responses=ReturnSerializer)
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        return self._goods_action(request, ReturnReceiveSerializer, return_goods_receive)

    @extend_schema(request=ReturnInspectSerializer, responses=ReturnSerializer)
    @action(detail=True, methods=["post"])
    def inspect(self, request, pk=None):
        return self._goods_action(request, ReturnInspectSerializer, return_goods_inspect)

    @extend_schema(request=ReturnResolveSerializer, responses=ReturnSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._goods_action(request, ReturnResolveSerializer, return_goods_resolve)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], content_negotiation_class=IgnoreAcceptHeader)
    def label(self, request, pk=None):
        """The prepaid return label to print and stick on the parcel, once the return is approved
        (the approval e-mail links here)."""
        return_request = self.get_object()
        physical = physical_return_get(reference=return_request.reference)
        if physical is None:
            raise WrongState("The return has a label once it is approved.")
        response = HttpResponse(physical_return_label(physical_return=physical), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="return-{return_request.pk}-label.pdf"'
        return response
