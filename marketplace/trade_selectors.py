"""Reads of the B2B trade desk, each scoped to what the caller may see: buyer staff see their
buyer companies' RFQs and every quote on them; SME staff see open RFQs in the categories they
publish in and only their own companies' quotes; operators see everything."""

from django.db.models import Prefetch, Q, QuerySet

from brands.models import MandateScope
from brands.selectors import user_company_ids
from core.permissions import is_operator
from listings.models import Product
from logistics.backorder_selectors import backorder_owner_reference
from marketplace.models import RFQ, BuyerCompany, BuyerStaff, InquiryThread, Order, Quote, QuoteLine


def buyer_company_ids(user, *, owner: bool = False) -> list[int]:
    """The buyer companies the user is staff (or an owner) of, cached on the user for the request."""
    if not (user and user.is_authenticated):
        return []
    if not hasattr(user, "_buyer_roles"):
        user._buyer_roles = dict(BuyerStaff.objects.filter(user=user).values_list("buyer_company_id", "role"))
    return [pk for pk, role in user._buyer_roles.items() if not owner or role == BuyerStaff.Role.OWNER]


def reference_buyer_company_ids(*, reference: str) -> list[int]:
    """The buyer company of the order a logistics reference ("order:<id>", or a stocked
    backorder's "order:<id>:inbound:<id>") points at, if the order came from its accepted quote;
    none for a consignment's or a consumer's shipment."""
    prefix, _, pk = backorder_owner_reference(reference or "").partition(":")
    if prefix != "order" or not pk.isdigit():
        return []
    found = Order.objects.filter(pk=int(pk), buyer_company__isnull=False).values_list("buyer_company_id", flat=True)
    return list(found)


def buyer_company_ids_forget(user) -> None:
    user.__dict__.pop("_buyer_roles", None)


def buyer_company_list(*, user) -> QuerySet[BuyerCompany]:
    companies = BuyerCompany.objects.prefetch_related(
        Prefetch("staff", queryset=BuyerStaff.objects.select_related("user"))
    )
    if not is_operator(user):
        companies = companies.filter(pk__in=buyer_company_ids(user))
    return companies.order_by("pk")


def seller_category_paths(company_ids: list[int]) -> set[str]:
    """Category paths where the companies have published products, or the brands they lead do
    (a brand's lead company answers for its members with brand quotes)."""
    return set(
        Product.objects.filter(Q(company_id__in=company_ids) | Q(brand__lead_company_id__in=company_ids))
        .filter(status=Product.Status.PUBLISHED)
        .values_list("category__path", flat=True)
        .distinct()
    )


def category_match(paths: set[str], field: str = "category__path") -> Q:
    """RFQs whose category is one of the paths, above one (a broader request) or below one."""
    match = Q(pk__in=[])
    for path in paths:
        parts = path.split("/")
        ancestors = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        match |= Q(**{f"{field}__in": ancestors}) | Q(**{f"{field}__startswith": f"{path}/"})
    return match


def rfq_list(*, user) -> QuerySet[RFQ]:
    rfqs = RFQ.objects.select_related("buyer_company", "category", "reference_product")
    if is_operator(user):
        return rfqs.order_by("-pk")
    sellers = user_company_ids(user, scope=MandateScope.QUOTES)
    visible = Q(buyer_company_id__in=buyer_company_ids(user))
    if sellers:
        visible |= Q(status=RFQ.Status.OPEN) & category_match(seller_category_paths(sellers))
        visible |= Q(pk__in=Quote.objects.filter(company_id__in=sellers).values("rfq_id"))
        visible |= Q(proposal__company_id__in=sellers)  # opened by a buyer answering the SME's proposal
    return rfqs.filter(visible).order_by("-pk")


def quote_list(*, user, rfq: RFQ | None = None) -> QuerySet[Quote]:
    """A buyer sees every quote on their RFQs; an SME only its own companies' quotes."""
    lines = QuoteLine.objects.select_related("product", "variant", "seller").order_by("pk")
    quotes = Quote.objects.select_related("rfq__buyer_company", "company", "brand", "order").prefetch_related(
        Prefetch("lines", queryset=lines)
    )
    if rfq is not None:
        quotes = quotes.filter(rfq=rfq)
    if not is_operator(user):
        quotes = quotes.filter(
            Q(rfq__buyer_company_id__in=buyer_company_ids(user))
            | Q(company_id__in=user_company_ids(user, scope=MandateScope.QUOTES))
        )
    return quotes.order_by("-pk")


def inquiry_thread_list(*, user) -> QuerySet[InquiryThread]:
    threads = InquiryThread.objects.select_related("product", "company", "buyer", "buyer_company")
    if not is_operator(user):
        threads = threads.filter(
            Q(buyer=user)
            | Q(buyer_company_id__in=buyer_company_ids(user))
            | Q(company_id__in=user_company_ids(user, scope=MandateScope.QUOTES))
        )
    return threads.order_by("-last_message_at", "-pk")


def inquiry_sides(*, user, threads) -> dict[int, str]:
    """{thread id: "seller" or "buyer"}: the side the user reads each thread as (no queries per thread)."""
    sellers, buyers = set(user_company_ids(user, scope=MandateScope.QUOTES)), set(buyer_company_ids(user))
    sides = {}
    for thread in threads:
        if thread.company_id in sellers:
            sides[thread.pk] = "seller"
        elif thread.buyer_id == user.pk or thread.buyer_company_id in buyers:
            sides[thread.pk] = "buyer"
    return sides
