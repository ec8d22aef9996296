from html.parser import HTMLParser

import pytest
from django.contrib.admin.sites import site
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from listings import services
from listings.admin.products import ProductAdmin
from listings.models import Category, Inspection, Product
from tests.factories import (
    brand_with_members,
    category,
    company_with_owner,
    owner_of,
    png_bytes,
    product,
    publish_standard,
    staff,
)

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/listings/product/"


class _FormScraper(HTMLParser):
    """The values a browser would submit from the page's main form: inputs, selects, textareas."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select = self._textarea = None
        self._in_form = False

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id", "").endswith("_form"):
            self._in_form = True
        if not self._in_form or not attrs.get("name") and tag not in ("option",):
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self._add(attrs["name"], attrs.get("value") or ("on" if kind in ("checkbox", "radio") else ""))
        elif tag == "select":
            self._select, self._selected = attrs["name"], None
        elif tag == "option" and self._select and "selected" in attrs:
            self._selected = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea, self._text = attrs["name"], ""

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select" and self._select:
            self._add(self._select, self._selected or "")
            self._select = None
        elif tag == "textarea" and self._textarea:
            self._add(self._textarea, self._text.lstrip("\n"))
            self._textarea = None


def _form(client, url) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    scraper = _FormScraper()
    scraper.feed(response.content.decode())
    return {name: values if len(values) > 1 else values[0] for name, values in scraper.data.items()}


def _link(item) -> str:
    return f'href="{CHANGELIST}{item.pk}/change/'


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def mine_and_theirs():
    mine, theirs = company_with_owner(legal_name="Mine Co."), company_with_owner(legal_name="Theirs Co.")
    return product(mine), product(theirs)


def test_sme_staff_see_only_their_products(client, mine_and_theirs):
    mine, theirs = mine_and_theirs
    client.force_login(owner_of(mine.company))
    listing = client.get(CHANGELIST).content.decode()
    assert _link(mine) in listing and _link(theirs) not in listing
    assert "Theirs Co." not in listing  # not even in the company filter
    assert client.get(f"{CHANGELIST}{mine.pk}/change/").status_code == 200
    assert client.get(f"{CHANGELIST}{theirs.pk}/change/").status_code == 404


def test_operators_see_every_product(client, operator, mine_and_theirs):
    mine, theirs = mine_and_theirs
    client.force_login(operator)
    listing = client.get(CHANGELIST).content.decode()
    assert _link(mine) in listing and _link(theirs) in listing


def test_search_finds_a_product_by_sku_and_by_title_in_any_locale(client, operator, mine_and_theirs):
    mine, theirs = mine_and_theirs
    client.force_login(operator)
    sku = mine.variants.get().sku
    listing = client.get(CHANGELIST, {"q": sku}).content.decode()
    assert _link(mine) in listing and _link(theirs) not in listing
    title_ko = mine.translations.get(locale="ko").title
    listing = client.get(CHANGELIST, {"q": title_ko}).content.decode()
    assert _link(mine) in listing and _link(theirs) not in listing


def test_company_choices_on_the_product_form_are_the_users_companies(client, operator, mine_and_theirs):
    mine, theirs = mine_and_theirs
    request = RequestFactory().get("/")
    request.user = owner_of(mine.company)
    form = ProductAdmin(Product, site).get_form(request)()
    assert list(form.fields["company"].queryset) == [mine.company]
    request.user = operator
    form = ProductAdmin(Product, site).get_form(request)()
    assert {mine.company, theirs.company} <= set(form.fields["company"].queryset)

    client.force_login(owner_of(mine.company))
    page = client.get(f"{CHANGELIST}add/").content.decode()
    assert "Mine Co." in page and "Theirs Co." not in page


def test_submit_action_goes_through_the_service_and_reports_refusals(client):
    company = company_with_owner()
    complete = product(company)
    incomplete = product(company, with_image=False)
    owner = owner_of(company)
    client.force_login(owner)
    response = client.post(
        CHANGELIST, {"action": "submit", "_selected_action": [complete.pk, incomplete.pk]}, follow=True
    )
    messages = _messages(response)
    assert "1 submitted for review." in messages
    refusal = next(message for message in messages if message.startswith(f"{incomplete}:"))
    assert "The product is incomplete" in refusal and "media: At least one image is required." in refusal
    assert Product.objects.get(pk=complete.pk).status == Product.Status.IN_REVIEW
    assert Product.objects.get(pk=incomplete.pk).status == Product.Status.DRAFT
    assert complete.events.filter(kind="submitted", actor=owner).exists()


def test_actions_cannot_reach_another_companys_products(client, mine_and_theirs):
    mine, theirs = mine_and_theirs
    client.force_login(owner_of(mine.company))
    client.post(CHANGELIST, {"action": "archive", "_selected_action": [theirs.pk]}, follow=True)
    assert Product.objects.get(pk=theirs.pk).status == Product.Status.DRAFT


def test_suspend_is_offered_to_operators_only(client, operator, mine_and_theirs):
    mine, _ = mine_and_theirs
    client.force_login(owner_of(mine.company))
    assert 'value="suspend"' not in client.get(CHANGELIST).content.decode()
    client.force_login(operator)
    assert 'value="suspend"' in client.get(CHANGELIST).content.decode()


def test_a_viewer_sees_the_product_read_only(client, mine_and_theirs):
    mine, _ = mine_and_theirs
    viewer = staff(mine.company, "viewer")
    client.force_login(viewer)
    page = client.get(f"{CHANGELIST}{mine.pk}/change/")
    assert page.status_code == 200 and "View product" in page.content.decode()
    assert client.post(f"{CHANGELIST}{mine.pk}/change/", {}).status_code == 403


def test_the_change_form_shows_a_row_per_locale_and_image_previews(client, mine_and_theirs):
    mine, _ = mine_and_theirs
    client.force_login(owner_of(mine.company))
    form = _form(client, f"{CHANGELIST}{mine.pk}/change/")
    locales = [form[f"translations-{i}-locale"] for i in range(int(form["translations-TOTAL_FORMS"]))]
    assert sorted(locales) == sorted(["en", "ko", "zh-hans", "ja", "es"])
    page = client.get(f"{CHANGELIST}{mine.pk}/change/").content.decode()
    assert f'<img src="{mine.media.get().image.url}"' in page
    assert 'name="status"' not in page  # read-only


def test_saving_the_form_is_one_product_update(client, mine_and_theirs, monkeypatch):
    mine, _ = mine_and_theirs
    client.force_login(owner_of(mine.company))
    url = f"{CHANGELIST}{mine.pk}/change/"
    form = _form(client, url)
    index = next(i for i in range(5) if form[f"translations-{i}-locale"] == "ja")
    form[f"translations-{index}-title"] = "韓紙ムードランプ"
    form["b2c_prices-TOTAL_FORMS"] = "1"
    form.update({"b2c_prices-0-currency": "USD", "b2c_prices-0-amount": "35.00"})
    form["material"] = "Hanji paper, walnut"
    form["status"] = "published"  # not a form field: ignored
    before = Product.objects.get(pk=mine.pk).content_hash

    calls = []
    real_update = services.product_update
    monkeypatch.setattr(services, "product_update", lambda **kw: calls.append(kw) or real_update(**kw))
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]

    assert len(calls) == 1
    assert set(calls[0]) == {"actor", "product", "material", "translations", "b2c_prices"}
    saved = Product.objects.get(pk=mine.pk)
    assert saved.status == Product.Status.DRAFT and saved.material == "Hanji paper, walnut"
    assert saved.translations.get(locale="ja").title == "韓紙ムードランプ"
    assert saved.translations.count() == 3
    assert [(p.currency, str(p.amount)) for p in saved.b2c_prices.all()] == [("USD", "35.0000")]
    assert saved.content_hash != before


def test_a_service_refusal_shows_the_form_again_and_saves_nothing(client, mine_and_theirs):
    mine, _ = mine_and_theirs
    client.force_login(owner_of(mine.company))
    url = f"{CHANGELIST}{mine.pk}/change/"
    form = _form(client, url)
    form["material"] = "Changed"
    form["b2c_prices-TOTAL_FORMS"] = "1"
    form.update({"b2c_prices-0-currency": "JPY", "b2c_prices-0-amount": "12.5"})  # JPY has no minor units
    response = client.post(url, form)
    assert response.status_code == 200
    assert "b2c_prices.JPY: JPY prices have 0 decimal places." in response.content.decode()
    saved = Product.objects.get(pk=mine.pk)
    assert saved.material != "Changed" and not saved.b2c_prices.exists()


def test_sme_staff_add_a_product_through_the_service(client, mine_and_theirs):
    mine, _ = mine_and_theirs
    client.force_login(owner_of(mine.company))
    form = _form(client, f"{CHANGELIST}add/")
    form.update(
        {
            "company": str(mine.company.pk),
            "category": str(category().pk),
            "mode": "b2c",
            "retail_price_amount": "30000",
            "translations-0-title": "보자기",
            "variants-TOTAL_FORMS": "1",
            "variants-0-sku": "BOJAGI-1",
            "variants-0-weight_kg": "0.2",
        }
    )
    assert form["translations-0-locale"] == "ko"
    response = client.post(f"{CHANGELIST}add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    created = Product.objects.get(variants__sku="BOJAGI-1")
    assert created.company == mine.company and created.status == Product.Status.DRAFT
    assert created.events.filter(kind="created").exists() and len(created.content_hash) == 64


def test_images_are_uploaded_and_deleted_through_the_media_services(client, mine_and_theirs):
    mine, _ = mine_and_theirs
    client.force_login(owner_of(mine.company))
    url = f"{CHANGELIST}{mine.pk}/change/"
    first = mine.media.get()

    form = _form(client, url)
    form["media-2-0-image"] = SimpleUploadedFile("second.png", png_bytes(300, 200, (10, 90, 200)))
    form["media-2-0-alt_text"] = '{"en": "Side view"}'
    assert client.post(url, form).status_code == 302
    second = mine.media.exclude(pk=first.pk).get()
    assert (second.position, second.width, second.alt_text) == (1, 300, {"en": "Side view"})
    assert second.thumbnail

    form = _form(client, url)
    form["media-0-DELETE"] = "on"
    assert client.post(url, form).status_code == 302
    assert list(mine.media.values_list("pk", "position")) == [(second.pk, 0)]


def test_a_refused_upload_in_the_admin_saves_nothing(client, mine_and_theirs):
    mine, _ = mine_and_theirs
    client.force_login(owner_of(mine.company))
    url = f"{CHANGELIST}{mine.pk}/change/"
    form = _form(client, url)
    form["material"] = "Changed"
    form["media-2-0-image"] = SimpleUploadedFile("tiny.png", png_bytes(50, 50))
    response = client.post(url, form)
    assert response.status_code == 200
    assert "each side must be 100 to 10,000 pixels" in response.content.decode()
    assert mine.media.count() == 1 and Product.objects.get(pk=mine.pk).material != "Changed"


def test_an_archived_product_is_read_only(client, mine_and_theirs):
    mine, _ = mine_and_theirs
    services.product_archive(actor=owner_of(mine.company), product=mine)
    client.force_login(owner_of(mine.company))
    assert "View product" in client.get(f"{CHANGELIST}{mine.pk}/change/").content.decode()


# --- categories and inspections


def test_categories_are_for_operators_and_their_schema_is_checked(client, operator, mine_and_theirs):
    mine, _ = mine_and_theirs
    client.force_login(owner_of(mine.company))
    assert client.get("/admin/listings/category/").status_code == 403

    client.force_login(operator)
    form = {
        "slug": "kitchen",
        "name_translations": '{"en": "Kitchen"}',
        "attribute_schema": '[{"code": "volume", "type": "litres"}]',
        "default_hs_chapter": "",
        "position": "0",
    }
    response = client.post("/admin/listings/category/add/", form)
    assert response.status_code == 200 and "Each attribute needs a code and a type" in response.content.decode()
    form["attribute_schema"] = '[{"code": "volume", "type": "decimal", "unit": "l"}]'
    assert client.post("/admin/listings/category/add/", form).status_code == 302
    assert Category.objects.get(path="kitchen").attribute_schema[0]["code"] == "volume"
    assert client.post("/admin/listings/category/add/", form).status_code == 200  # the path exists


def test_sme_staff_see_only_inspections_of_their_products(client):
    brand = brand_with_members(1)
    publish_standard(brand)
    member = brand.memberships.get(role="member").company
    item = product(member, brand=brand)
    inspection = services.inspection_record(
        actor=owner_of(brand.lead_company),
        product=item,
        results=[{"code": "stitching", "passed": True}, {"code": "label", "passed": False, "note": "Faded"}],
        defects=[{"code": "loose-thread", "quantity": 2}],
    )
    assert inspection.outcome == Inspection.Outcome.PASSED

    client.force_login(owner_of(member))
    page = client.get(f"/admin/listings/inspection/{inspection.pk}/change/")
    assert page.status_code == 200
    assert "Faded" in page.content.decode() and "loose-thread" in page.content.decode()
    assert client.post(f"/admin/listings/inspection/{inspection.pk}/change/", {}).status_code == 403

    client.force_login(owner_of(company_with_owner()))
    assert client.get(f"/admin/listings/inspection/{inspection.pk}/change/").status_code == 404
    link = f'href="/admin/listings/inspection/{inspection.pk}/change/'
    assert link not in client.get("/admin/listings/inspection/").content.decode()
    client.force_login(owner_of(brand.lead_company))  # the lead company recorded it and sees it
    assert link in client.get("/admin/listings/inspection/").content.decode()


def test_a_locale_twice_is_a_form_error(client, mine_and_theirs):
    mine, _ = mine_and_theirs
    client.force_login(owner_of(mine.company))
    url = f"{CHANGELIST}{mine.pk}/change/"
    form = _form(client, url)
    index = next(i for i in range(5) if form[f"translations-{i}-locale"] == "ja")
    form[f"translations-{index}-locale"] = "en"
    form[f"translations-{index}-title"] = "Another English title"
    response = client.post(url, form)
    assert response.status_code == 200
    assert mine.translations.get(locale="en").title != "Another English title"
