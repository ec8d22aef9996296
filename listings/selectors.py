from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from brands.models import CompanyStaff
from brands.selectors import user_company_ids, user_has_company_role
from core.locales import fallback_chain
from core.permissions import is_operator
from listings.models import Category, Inspection, Product, ProductRevision, ProductTranslation


def _with_details(products: QuerySet[Product]) -> QuerySet[Product]:
    return products.select_related("company", "brand", "category").prefetch_related(
        Prefetch("translations", queryset=ProductTranslation.objects.order_by("locale")),
        "variants",
        "price_tiers",
        "b2c_prices",
        "media",
        Prefetch(
            "revisions",
            queryset=ProductRevision.objects.filter(status=ProductRevision.Status.PENDING),
            to_attr="pending_revisions",
        ),
    )


def product_list(*, user) -> QuerySet[Product]:
    """Products of the user's companies, and of brands their companies lead (the lead approves
    and inspects them); operators see all."""
    products = Product.objects.all()
    if not is_operator(user):
        companies = user_company_ids(user)
        products = products.filter(Q(company_id__in=companies) | Q(brand__lead_company_id__in=companies))
    return _with_details(products).order_by("pk")


def product_get(*, user, pk) -> Product:
    product = product_list(user=user).filter(pk=pk).first()
    if product is None:
        raise Http404("No such product.")
    return product


def product_can_edit(*, user, product: Product) -> bool:
    return is_operator(user) or user_has_company_role(user, product.company_id, CompanyStaff.Role.EDITOR)


def product_text(product: Product, locale: str | None) -> dict:
    """Title and description in the locale, falling back to the default then English, and the
    locale the text actually came from. Uses the prefetched translations."""
    texts = {t.locale: t for t in product.translations.all()}
    for candidate in fallback_chain(locale):
        if candidate in texts:
            translation = texts[candidate]
            return {"title": translation.title, "description": translation.description, "locale": candidate}
    return {"title": "", "description": "", "locale": None}


def category_list() -> QuerySet[Category]:
    return Category.objects.order_by("path")


def inspection_list(*, user) -> QuerySet[Inspection]:
    visible = product_list(user=user).values("pk")
    return (
        Inspection.objects.filter(product__in=visible)
        .select_related("product", "standard", "inspector")
        .prefetch_related("results__item", "defects")
        .order_by("-pk")
    )
