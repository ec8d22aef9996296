"""Demo data, listings part: a category tree and about sixty products of the demo companies, in
five languages, with generated images, taken through the real lifecycle (submit, the brand's QC
inspection, approval by the operator, publication by the company). Loaded by
`python manage.py load_demo` after the brands part, whose context it reads.

The catalogue is data, not code: each product names a kind (what products of one craft share:
category, HS code, title and description templates per locale, picture) and fills it with its
own name, one sentence of its own, prices, variants and terms. A few products are left
unfinished on purpose (drafts that show the completeness report), a few wait in review (two of
them after a failed inspection), one is approved but not yet published.

Everything goes through listings.services and listings.media, so events, inspections, content
hashes and search documents are real. Idempotent: categories are found by path and products by
their first variant's SKU; only what is missing is created, and existing products are left as
they are, so a second run changes nothing.
"""

from collections import Counter
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from brands.models import Brand, Company, Membership
from brands.selectors import brand_current_standard
from core.models import User
from listings import services
from listings.demo.catalogue import (
    CATEGORIES,
    ITEMS,
    KINDS,
    Failure,
    Item,
    Kind,
    gtin_for,
    translations,
    variants_of,
)
from listings.demo.pictures import picture
from listings.media import product_media_add
from listings.models import Category, Product, ProductRevision, Variant


class ListingsDemo:
    """Categories and products; `load()` returns them for the next demo parts (e.g. stock)."""

    def __init__(self, tally: Counter):
        self.tally = tally

    def count(self, kind: str, created: bool) -> None:
        self.tally[kind, "created" if created else "existing"] += 1

    def load(self, context: dict) -> dict:
        categories = self.load_categories()
        companies: dict[str, tuple[Company, User]] = context["companies"]
        operator: User = context["operator"]
        brands = self.brands_of(companies)
        products = {}
        for number, item in enumerate(ITEMS, start=1):
            products[item.sku] = self.load_product(item, number, categories, companies, brands, operator)
        self.hold_an_edit(products.values(), companies)
        return {"categories": categories, "products": products}

    # A published product with an edit waiting for review (the live version stays on sale).
    @staticmethod
    def hold_an_edit(products, companies) -> None:
        owners = {company.pk: owner for company, owner in companies.values()}
        live = [p for p in products if p.status == Product.Status.PUBLISHED and p.material]
        if not live or ProductRevision.objects.filter(product__in=live).exists():
            return
        product = live[0]
        services.product_update(
            actor=owners[product.company_id], product=product, material=f"{product.material}; FSC-certified oak base"
        )

    # Categories
    def load_categories(self) -> dict[str, Category]:
        categories: dict[str, Category] = {}
        for position, (path, names, chapter, schema) in enumerate(CATEGORIES):
            category = Category.objects.filter(path=path).first()
            self.count("categories", category is None)
            if category is None:
                parent_path, _, slug = path.rpartition("/")
                category = services.category_create(
                    parent=categories[parent_path] if parent_path else None,
                    slug=slug,
                    name_translations=names,
                    attribute_schema=schema,
                    default_hs_chapter=chapter,
                    position=position,
                )
            categories[path] = category
        return categories

    # Brands: a company's products go under the active brand it is an active member of.
    @staticmethod
    def brands_of(companies: dict) -> dict[str, tuple[Brand, User] | None]:
        owners = {company.pk: owner for company, owner in companies.values()}
        brands = {}
        for slug, (company, _) in companies.items():
            membership = (
                Membership.objects.filter(
                    company=company, status=Membership.Status.ACTIVE, brand__status=Brand.Status.ACTIVE
                )
                .select_related("brand")
                .first()
            )
            brand = membership.brand if membership else None
            # The brand lead's owner records the QC inspections.
            brands[slug] = (brand, owners[brand.lead_company_id]) if brand else None
        return brands

    # Products
    def load_product(self, item: Item, number: int, categories, companies, brands, operator) -> Product:
        existing = Variant.objects.filter(sku=item.sku).select_related("product").first()
        self.count("products", existing is None)
        if existing is not None:
            return existing.product
        kind = KINDS[item.kind]
        company, owner = companies[item.company]
        brand, inspector = brands[item.company] or (None, None)
        product = services.product_create(actor=owner, company=company, **self.payload(item, number, categories, brand))
        if item.gap != "image":
            self.add_pictures(item, number, kind, product, owner)
        if item.plan == "draft":
            return product
        product = services.product_submit(actor=owner, product=product)
        if item.plan == "review":
            return product
        if brand is not None:
            lot = 1
            if item.failure:
                self.inspect(item, product, inspector, lot=lot, failure=item.failure)
                if not item.failure.fixed:
                    return product  # stays in review until the maker fixes it
                lot += 1
            self.inspect(item, product, inspector, lot=lot, note=item.failure.fixed if item.failure else "")
        product = services.product_approve(
            actor=operator, product=product, reason="Checked against the listing guidelines."
        )
        if item.plan == "approved":
            return product
        return services.product_publish(actor=owner, product=product)

    @staticmethod
    def payload(item: Item, number: int, categories, brand: Brand | None) -> dict:
        kind = KINDS[item.kind]
        weight, length, width, height = (Decimal(value) for value in item.size)
        data = {
            "category": categories[kind.category],
            "brand": brand,
            "mode": Product.Mode.B2C if item.terms is None else Product.Mode.BOTH if item.price else Product.Mode.B2B,
            "base_currency": "KRW",
            "hs_code": "" if item.gap == "hs_code" else item.hs_code or kind.hs_code,
            "origin_country": "KR",
            "material": item.material or kind.material,
            "attributes": item.attributes,
            "translations": translations(item),
            "variants": [
                {
                    "sku": sku,
                    "gtin": gtin_for(item.company, number, i) if item.gtin else "",
                    "options": options,
                    "weight_kg": weight,
                    "length_cm": Decimal(length),
                    "width_cm": Decimal(width),
                    "height_cm": Decimal(height),
                }
                for i, (sku, options) in enumerate(variants_of(item))
            ],
        }
        if item.price is not None:
            data["retail_price"] = Decimal(item.price)
            prices = {"USD": Decimal(item.usd) if item.usd else None, "JPY": Decimal(item.jpy) if item.jpy else None}
            data["b2c_prices"] = {currency: amount for currency, amount in prices.items() if amount is not None}
        if item.terms is not None:
            terms = item.terms
            data.update(
                moq=terms.moq,
                order_multiple=terms.multiple,
                lead_time_days=terms.lead_days,
                sample_policy=terms.samples,
                incoterms=list(terms.incoterms),
            )
            if terms.tiers:
                data["price_tiers"] = [
                    {"min_quantity": quantity, "unit_price": Decimal(price)} for quantity, price in terms.tiers
                ]
        return data

    @staticmethod
    def add_pictures(item: Item, number: int, kind: Kind, product: Product, owner: User) -> None:
        texts = translations(item)
        title = {locale: texts[locale]["title"] for locale in ("ko", "en")}
        views = [(False, {"ko": f"{title['ko']} 제품 사진", "en": f"{title['en']}, product photo"})]
        if number % 2:
            views.append((True, {"ko": f"{title['ko']} 세부 모습", "en": f"{title['en']}, close-up"}))
        for position, (close_up, alt_text) in enumerate(views):
            upload = SimpleUploadedFile(
                f"{item.sku.lower()}-{position + 1}.jpg", picture(kind, number, close_up), content_type="image/jpeg"
            )
            product_media_add(actor=owner, product=product, upload=upload, alt_text=alt_text, position=position)

    @staticmethod
    def inspect(item: Item, product: Product, inspector: User, *, lot: int, failure: Failure | None = None, note=""):
        """Every item of the brand's current standard, passed unless `failure` names it; items
        that do not concern the product's kind pass with a note saying so."""
        standard = brand_current_standard(product.brand)
        checks = KINDS[item.kind].checks
        results = []
        for standard_item in standard.items.all():
            failed = failure is not None and standard_item.code == failure.item
            results.append(
                {
                    "code": standard_item.code,
                    "passed": not failed,
                    "note": failure.note if failed else "" if standard_item.code in checks else "Not applicable.",
                }
            )
        return services.inspection_record(
            actor=inspector,
            product=product,
            results=results,
            notes=note or (failure.note if failure else "All items checked on the sample."),
            lot_number=f"{item.sku}-L{lot:02d}",
            sample_size=13,
            units_inspected=13,
            defects=[{"code": failure.defect, "quantity": failure.quantity}] if failure else [],
        )
