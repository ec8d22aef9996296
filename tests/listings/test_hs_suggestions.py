"""HS help: suggestions for a product from the codes similar reviewed products of its category
declare and from the category's default chapter, each with its reason, through the API; the
product's own code never changes."""

import pytest
from rest_framework.test import APIClient

from core.services import user_token_get_or_create
from listings.models import Category, Product
from tests.factories import category, company_with_owner, owner_of, product

pytestmark = pytest.mark.django_db


def reviewed(company, cat, hs_code, title):
    item = product(
        company,
        with_image=False,
        category=cat,
        hs_code=hs_code,
        translations={"en": {"title": title, "description": "Hand-made."}},
    )
    Product.objects.filter(pk=item.pk).update(status=Product.Status.PUBLISHED)
    return item


def suggestions_for(item):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {user_token_get_or_create(user=owner_of(item.company))}")
    response = client.get(f"/api/v1/products/{item.pk}/hs-suggestions/")
    assert response.status_code == 200, response.json()
    return response.json()


def test_codes_of_similar_products_rank_by_shared_title_words_then_count_and_the_chapter_comes_last():
    lighting = category("home/lighting")
    Category.objects.filter(pk=lighting.pk).update(default_hs_chapter="94")
    lamps = category("home/lighting/lamps")  # no chapter of its own: the parent's counts
    others = company_with_owner()
    reviewed(others, lamps, "940540", "Hanji moon lamp")
    reviewed(others, lamps, "940520", "Oak desk light")
    reviewed(others, lamps, "940520", "Walnut desk light")
    reviewed(others, lamps, "442090", "Wooden lamp base")  # wood articles, outside chapter 94
    draft = product(others, with_image=False, category=category("home/kitchen"), hs_code="691200")
    Product.objects.filter(pk=draft.pk).update(status=Product.Status.PUBLISHED)  # another category
    mine = product(
        company_with_owner(),
        with_image=False,
        category=lamps,
        hs_code="",
        translations={"en": {"title": "Hanji paper lamp", "description": "Mulberry paper."}},
    )
    body = suggestions_for(mine)
    assert body["current"] == ""
    assert [(s["hs_code"], s["source"]) for s in body["suggestions"]] == [
        ("940540", "similar_products"),  # shares "hanji" and "lamp"
        ("442090", "similar_products"),  # shares "lamp"
        ("940520", "similar_products"),  # two products, no shared word
        (None, "category_chapter"),
    ]
    first, wood, desk, chapter = body["suggestions"]
    assert (
        first["reason"]
        == "1 reviewed product(s) in home/lighting/lamps declare 940540; their titles share: hanji, lamp"
    )
    assert "outside the category's default chapter 94" in wood["reason"]
    assert desk["reason"].startswith("2 reviewed product(s)")
    assert chapter["chapter"] == "94" and "home/lighting/lamps" in chapter["reason"]
    assert Product.objects.get(pk=mine.pk).hs_code == ""  # never set silently
