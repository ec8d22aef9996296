"""The project's URLs plus /bench/baseline/, for bench/storefront.py: the first page of the
storefront list (slug, English title, USD price; newest first) from one raw SQL query, returned
as a plain JsonResponse. The ceiling the storefront list is compared with."""

from django.db import connection
from django.http import JsonResponse
from django.urls import include, path

# The storefront's visibility rule, its default ordering and its price (an explicit price in the
# currency, else the retail price converted at the newest rate in force), as one query.
BASELINE_SQL = """
SELECT p.slug,
       t.title,
       round(COALESCE(
           bp.amount,
           CASE WHEN p.base_currency = %(currency)s THEN p.retail_price_amount
                ELSE p.retail_price_amount / (
                    SELECT r.rate FROM core_exchangerate r
                    WHERE r.base_currency = %(currency)s AND r.quote_currency = p.base_currency
                      AND r.effective_date <= CURRENT_DATE
                    ORDER BY r.effective_date DESC LIMIT 1)
           END), 2) AS price
FROM listings_product p
LEFT JOIN brands_brand b ON b.id = p.brand_id
LEFT JOIN listings_producttranslation t ON t.product_id = p.id AND t.locale = %(locale)s
LEFT JOIN listings_b2cprice bp ON bp.product_id = p.id AND bp.currency = %(currency)s
WHERE p.status = 'published' AND (p.brand_id IS NULL OR b.status = 'active')
ORDER BY p.published_at DESC, p.id DESC
LIMIT %(limit)s
"""


def baseline(request):
    with connection.cursor() as cursor:
        cursor.execute(BASELINE_SQL, {"currency": "USD", "locale": "en", "limit": 20})
        rows = cursor.fetchall()
    return JsonResponse(
        {"results": [{"slug": slug, "title": title, "price": str(price)} for slug, title, price in rows]}
    )


urlpatterns = [
    path("bench/baseline/", baseline),
    path("", include("config.urls")),
]
