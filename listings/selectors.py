import re

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404

from brands.models import CompanyStaff, MandateScope
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


def product_scope(*, user) -> QuerySet[Product]:
    """Products of the user's companies, and of brands their companies lead (the lead approves
    and inspects them); operators see all."""
    products = Product.objects.all()
    if not is_operator(user):
        # A trading company's staff also see the products of the SMEs that mandated it for listings.
        products = products.filter(
            Q(company_id__in=user_company_ids(user, scope=MandateScope.LISTINGS))
            | Q(brand__lead_company_id__in=user_company_ids(user))
        )
    return products


def product_list(*, user) -> QuerySet[Product]:
    return _with_details(product_scope(user=user)).order_by("pk")


def product_get(*, user, pk, details: bool = True) -> Product:
    """One product the user may see; without `details` only its own row (for a caller that locks
    and re-reads it anyway)."""
    products = product_list(user=user) if details else product_scope(user=user)
    product = products.filter(pk=pk).first()
    if product is None:
        raise Http404("No such product.")
    return product


def product_can_edit(*, user, product: Product) -> bool:
    return is_operator(user) or user_has_company_role(
        user, product.company_id, CompanyStaff.Role.EDITOR, scope=MandateScope.LISTINGS
    )


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


HS_SUGGESTIONS = 5
# Product statuses whose HS code an operator has reviewed (approval checks completeness).
DECLARED = [Product.Status.APPROVED, Product.Status.PUBLISHED, Product.Status.SUSPENDED]


def _words(text: str) -> set[str]:
    return set(re.findall(r"[^\W\d_]{3,}", text.lower()))


def hs_code_suggestions(*, product: Product, limit: int = HS_SUGGESTIONS) -> list[dict]:
    """HS codes to consider for a product, each with its reason, best first: the codes other
    reviewed products of its category (and the categories under it) declare, ranked by the words
    their English titles share with this one's and then by how many declare them; and the
    category's default HS chapter (the nearest ancestor's if it has none). Only suggestions: the
    SME picks one and saves it; nothing here sets a code."""
    category = product.category
    if category is None:
        return []
    ancestors = [category.path.rsplit("/", depth)[0] for depth in range(category.depth + 1)]
    chapter = next(
        (
            found.default_hs_chapter
            for found in Category.objects.filter(path__in=ancestors).exclude(default_hs_chapter="").order_by("-path")
        ),
        "",
    )
    title = product_text(product, "en")["title"]
    words = _words(title)
    english = ProductTranslation.objects.filter(product=OuterRef("pk"), locale="en").values("title")[:1]
    similar = (
        Product.objects.filter(Q(category=category) | Q(category__path__startswith=f"{category.path}/"))
        .filter(status__in=DECLARED)
        .exclude(hs_code="")
        .exclude(pk=product.pk)
        .annotate(title_en=Subquery(english))
        .values_list("hs_code", "title_en")
    )
    codes: dict[str, dict] = {}
    for hs_code, other_title in similar:
        entry = codes.setdefault(hs_code, {"count": 0, "shared": set()})
        entry["count"] += 1
        entry["shared"] |= words & _words(other_title or "")
    ranked = sorted(codes.items(), key=lambda item: (-len(item[1]["shared"]), -item[1]["count"], item[0]))
    suggestions = []
    for hs_code, entry in ranked[:limit]:
        reason = f"{entry['count']} reviewed product(s) in {category.path} declare {hs_code}"
        if entry["shared"]:
            reason += f"; their titles share: {', '.join(sorted(entry['shared']))}"
        if chapter and not hs_code.startswith(chapter):
            reason += f"; outside the category's default chapter {chapter}, check the classification"
        suggestions.append({"hs_code": hs_code, "chapter": hs_code[:2], "source": "similar_products", "reason": reason})
    if chapter:
        suggestions.append(
            {
                "hs_code": None,
                "chapter": chapter,
                "source": "category_chapter",
                "reason": f"The category {category.path} classifies its goods in HS chapter {chapter}; "
                "pick the 6-digit subheading within it that describes the product.",
            }
        )
    return suggestions
