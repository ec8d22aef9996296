"""Matchmaking's HTTP door: the buyer directory and buyers' profiles, business proposals and
their answers, matchmaking events and their meetings. Querysets are scoped to the parties, so
another party's proposal or meeting is a 404."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from brands.models import Company
from brands.selectors import user_is_company_staff
from core.api.fields import ID_PATTERN
from core.api.permissions import scopes_for
from core.errors import InvalidInput, NotPermitted
from core.permissions import is_operator
from listings.models import Category, Product
from marketplace.api.matchmaking_serializers import (
    BuyerProfileSerializer,
    BuyerProfileWriteSerializer,
    DirectoryQuerySerializer,
    MatchmakingEventSerializer,
    MatchmakingEventWriteSerializer,
    MeetingNotesSerializer,
    MeetingRequestSerializer,
    MeetingScheduleSerializer,
    MeetingSerializer,
    ProposalAnswerSerializer,
    ProposalSerializer,
    ProposalWriteSerializer,
)
from marketplace.matchmaking_selectors import (
    buyer_directory_list,
    matchmaking_event_list,
    meeting_get,
    meeting_list,
    proposal_get,
    proposal_list,
)
from marketplace.models import BuyerCompany, BuyerProfile
from marketplace.services import matchmaking as services
from marketplace.trade_selectors import buyer_company_ids

TRADE = scopes_for("trade")  # for API keys


def _buyer_company(pk: int, attr: str = "buyer_company") -> BuyerCompany:
    buyer = BuyerCompany.objects.filter(pk=pk).first()
    if buyer is None:
        raise InvalidInput("No buyer company has this id.", attr=attr)
    return buyer


def _company(pk: int) -> Company:
    company = Company.objects.filter(pk=pk).first()
    if company is None:
        raise InvalidInput("Pick a company you work for.", attr="company")
    return company


@extend_schema(tags=["matchmaking"])
class BuyerDirectoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Verified buyers that opted in, for SMEs to target: `country`, `category` (id),
    `order_size` (USD, within the buyer's range)."""

    required_scopes = TRADE
    serializer_class = BuyerProfileSerializer
    queryset = BuyerProfile.objects.none()  # for the schema; get_queryset() refuses non-SME callers

    def get_queryset(self):
        user = self.request.user
        if not (is_operator(user) or user_is_company_staff(user)):
            raise NotPermitted("The buyer directory is for SMEs' staff.")
        params = self.request.query_params
        # Only the filters: pagination's own parameters pass through to the paginator.
        query = DirectoryQuerySerializer(
            data={k: params[k] for k in ("country", "category", "order_size") if k in params}
        )
        query.is_valid(raise_exception=True)
        data = query.validated_data
        path = ""
        if "category" in data:
            category = Category.objects.filter(pk=data["category"]).first()
            if category is None:
                raise InvalidInput("No category has this id.", attr="category")
            path = category.path
        return buyer_directory_list(
            country=data["country"].upper(), category_path=path, order_size=data.get("order_size")
        )


@extend_schema(tags=["matchmaking"])
class BuyerProfileViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's buyer companies' directory profiles; POST sets one (owners)."""

    required_scopes = TRADE
    serializer_class = BuyerProfileSerializer

    def get_queryset(self):
        profiles = BuyerProfile.objects.select_related("buyer_company").prefetch_related("categories")
        if not is_operator(self.request.user):
            profiles = profiles.filter(buyer_company_id__in=buyer_company_ids(self.request.user))
        return profiles.order_by("pk")

    @extend_schema(request=BuyerProfileWriteSerializer, responses={200: BuyerProfileSerializer})
    def create(self, request):
        body = BuyerProfileWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        buyer = _buyer_company(data.pop("buyer_company"))
        ids = data.pop("categories")
        categories = list(Category.objects.filter(pk__in=ids))
        if len(categories) != len(set(ids)):
            raise InvalidInput("One of the categories does not exist.", attr="categories")
        profile = services.buyer_profile_set(actor=request.user, buyer_company=buyer, categories=categories, **data)
        return Response(BuyerProfileSerializer(self.get_queryset().get(pk=profile.pk)).data)


@extend_schema(tags=["matchmaking"])
class ProposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Business proposals: SMEs (or their agents) send, buyers answer."""

    required_scopes = TRADE
    serializer_class = ProposalSerializer
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["status"]

    def get_queryset(self):
        return proposal_list(user=self.request.user)

    def get_object(self):
        return proposal_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(request=ProposalWriteSerializer, responses={201: ProposalSerializer})
    def create(self, request):
        body = ProposalWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        ids = data.pop("products")
        products = list(Product.objects.filter(pk__in=ids))
        if len(products) != len(set(ids)):
            raise InvalidInput("One of the products does not exist.", attr="products")
        proposal = services.proposal_send(
            actor=request.user,
            company=_company(data.pop("company")),
            buyer_company=_buyer_company(data.pop("buyer_company")),
            products=products,
            **data,
        )
        return Response(ProposalSerializer(proposal).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ProposalAnswerSerializer, responses=ProposalSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        body = ProposalAnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        proposal = services.proposal_answer(actor=request.user, proposal=self.get_object(), **body.validated_data)
        return Response(ProposalSerializer(proposal).data)


@extend_schema(tags=["matchmaking"])
class MatchmakingEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Buyer conferences and online matchmaking days: operators create them; buyers and SMEs
    ask for meetings at them."""

    required_scopes = TRADE
    serializer_class = MatchmakingEventSerializer
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["mode"]

    def get_queryset(self):
        return matchmaking_event_list()

    def get_object(self):
        event = matchmaking_event_list().filter(pk=self.kwargs["pk"]).first()
        if event is None:
            raise Http404("No such event.")
        return event

    @extend_schema(request=MatchmakingEventWriteSerializer, responses={201: MatchmakingEventSerializer})
    def create(self, request):
        body = MatchmakingEventWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        event = services.matchmaking_event_create(actor=request.user, **body.validated_data)
        return Response(MatchmakingEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=MeetingSerializer(many=True), methods=["GET"])
    @extend_schema(request=MeetingRequestSerializer, responses={201: MeetingSerializer}, methods=["POST"])
    @action(detail=True, methods=["get", "post"])
    def meetings(self, request, pk=None):
        event = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(meeting_list(user=request.user, event=event))
            return self.get_paginated_response(MeetingSerializer(page, many=True).data)
        body = MeetingRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        meeting = services.meeting_request(
            actor=request.user,
            event=event,
            buyer_company=_buyer_company(data["buyer_company"]),
            company=_company(data["company"]),
            message=data["message"],
        )
        return Response(MeetingSerializer(meeting).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["matchmaking"])
class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's meetings; the asked party accepts (scheduled in the first slot both are
    free) or declines, operators place a meeting in a slot, each party keeps notes after it."""

    required_scopes = TRADE
    serializer_class = MeetingSerializer
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["status", "event"]

    def get_queryset(self):
        return meeting_list(user=self.request.user)

    def get_object(self):
        return meeting_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(request=None, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return Response(MeetingSerializer(services.meeting_accept(actor=request.user, meeting=self.get_object())).data)

    @extend_schema(request=None, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return Response(MeetingSerializer(services.meeting_decline(actor=request.user, meeting=self.get_object())).data)

    @extend_schema(request=MeetingScheduleSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def schedule(self, request, pk=None):
        body = MeetingScheduleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        meeting = services.meeting_schedule(actor=request.user, meeting=self.get_object(), **body.validated_data)
        return Response(MeetingSerializer(meeting).data)

    @extend_schema(request=MeetingNotesSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        body = MeetingNotesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        meeting = services.meeting_notes_add(actor=request.user, meeting=self.get_object(), **body.validated_data)
        return Response(MeetingSerializer(meeting).data)
