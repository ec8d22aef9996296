import csv
import io
from decimal import Decimal

import pytest
from celery import current_app
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from stdnum import ean

from core.errors import InvalidInput, NotPermitted
from core.models import Job
from core.services import job_cancel
from listings import csv_format, imports
from listings.imports import products_import, products_import_start
from listings.models import Product, Variant
from listings.services import product_content, product_delete
from tests.factories import brand_with_members, category, company_with_owner, owner_of, product, staff

pytestmark = pytest.mark.django_db

IMPORT_URL = "/api/v1/products/import/"
EXPORT_URL = "/api/v1/products/export/"
LOCALES = ["ko", "en", "zh-hans", "ja", "es"]


def gtin(body: str) -> str:
    return body + ean.calc_check_digit(body)


def csv_bytes(rows: list[dict], columns: list[str] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns or csv_format.columns(), restval="")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def upload(data: bytes, name: str = "products.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def lamp(key="LAMP", **cells) -> dict:
    """A complete B2C row, as an SME would fill it in."""
    return {
        "product_key": key,
        "category": "home/lighting",
        "mode": "b2c",
        "base_currency": "KRW",
        "hs_code": "940540",
        "origin_country": "KR",
        "material": "Hanji paper, oak",
        "retail_price": "45000",
        "title_ko": f"한지 무드등 {key}",
        "description_ko": "손으로 뜬 한지로 만든 무드등",
        "title_en": f"Hanji mood lamp {key}",
        "description_en": "A mood lamp of hand-made hanji paper.",
        "sku": f"{key}-1",
        "weight_kg": "0.8",
        **cells,
    }


def valid_file() -> bytes:
    return csv_bytes(
        [
            lamp(
                b2c_prices="USD:32.00|JPY:4800",
                sku="LAMP-S",
                gtin=gtin("880123456789"),
                options='{"size": "S"}',
                length_cm="20.5",
            ),
            lamp(sku="LAMP-L", options='{"size": "L"}', weight_kg="1.250"),
            {
                "product_key": "BOWL",
                "category": "home/kitchen",
                "mode": "b2b",
                "base_currency": "KRW",
                "hs_code": "691200",
                "origin_country": "KR",
                "moq": "100",
                "order_multiple": "50",
                "lead_time_days": "30",
                "sample_policy": "paid",
                "incoterms": "FOB|CIF",
                "price_tiers": "100:9000|500:8500",
                "title_en": "Celadon bowl",
                "sku": "BOWL-1",
                "weight_kg": "0.5",
            },
            {
                "product_key": "TEA",
                "category": "home/kitchen",
                "retail_price": "12000",
                **{f"title_{locale}": f"Green tea ({locale})" for locale in LOCALES},
                **{f"description_{locale}": f"Jeju green tea, described in {locale}." for locale in LOCALES},
                "sku": "TEA-1",
            },
        ]
    )


def run_import(company, data: bytes, actor=None):
    job = products_import_start(actor=actor or owner_of(company), company=company, uploaded_file=upload(data))
    return products_import(job_id=job.pk)


@pytest.fixture
def categories():
    return {"lighting": category("home/lighting"), "kitchen": category("home/kitchen")}


def test_a_valid_file_imports_through_the_api_into_a_job_run_by_the_task(
    api, categories, monkeypatch, django_capture_on_commit_callbacks
):
    company = company_with_owner()
    owner = owner_of(company)
    monkeypatch.setitem(current_app.conf, "task_always_eager", True)  # the task runs in this process

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api.as_user(owner).post(
            IMPORT_URL, {"file": upload(valid_file()), "company": company.pk}, format="multipart"
        )

    assert response.status_code == 202, response.json()
    assert response.json()["kind"] == "product_import" and response.json()["status"] == "queued"
    assert len(callbacks) == 1
    job = api.get(f"/api/v1/jobs/{response.json()['id']}/").json()
    assert job["status"] == "succeeded", job
    assert (job["processed"], job["total"], job["progress"]) == (4, 4, 100)
    assert job["counts"] == {"products_created": 3, "products_failed": 0, "rows": 4}
    assert job["errors"] == []

    products = {p.variants.first().sku.split("-")[0]: p for p in Product.objects.filter(company=company)}
    assert set(products) == {"LAMP", "BOWL", "TEA"}
    lamp_ = products["LAMP"]
    assert [(v.sku, v.options, v.weight_kg) for v in lamp_.variants.all()] == [
        ("LAMP-S", {"size": "S"}, Decimal("0.800")),
        ("LAMP-L", {"size": "L"}, Decimal("1.250")),
    ]
    assert lamp_.variants.first().gtin == gtin("880123456789")
    assert {p.currency: p.amount for p in lamp_.b2c_prices.all()} == {"USD": Decimal("32"), "JPY": Decimal("4800")}
    assert lamp_.status == "draft" and lamp_.retail_price_amount == 45000 and lamp_.category == categories["lighting"]
    bowl = products["BOWL"]
    assert (bowl.mode, bowl.moq, bowl.order_multiple, bowl.lead_time_days, bowl.sample_policy, bowl.incoterms) == (
        "b2b",
        100,
        50,
        30,
        "paid",
        ["FOB", "CIF"],
    )
    assert [(t.min_quantity, t.unit_price_amount) for t in bowl.price_tiers.all()] == [(100, 9000), (500, 8500)]
    tea = products["TEA"]
    assert {t.locale: t.title for t in tea.translations.all()} == {loc: f"Green tea ({loc})" for loc in LOCALES}
    assert tea.events.get().kind == "created"


def test_bad_rows_are_reported_by_row_and_column_and_none_of_their_products_are_written(categories):
    company = company_with_owner()
    data = csv_bytes(
        [
            lamp("GOOD1"),  # row 2
            lamp("BADGTIN", sku="BADGTIN-1", gtin=gtin("880123456789")),  # row 3: a good variant ...
            lamp("BADGTIN", sku="BADGTIN-2", gtin="8801234567890"),  # row 4: ... and a wrong check digit
            lamp("NOCAT", category="garden/tools"),  # row 5
            lamp("KRWDEC", retail_price="45000.5"),  # row 6: KRW has no minor unit
            lamp("BADCELLS", weight_kg="1,5", b2c_prices="USD:twelve", options="size=S"),  # row 7
            lamp("GOOD2"),  # row 8
        ]
    )

    job = run_import(company, data)

    assert job.status == Job.Status.PARTIALLY_FAILED
    assert job.counts == {"products_created": 2, "products_failed": 4, "rows": 7}
    found = {(e["row"], e["column"]): e for e in job.errors}
    assert found[(4, "gtin")]["message"] == "The GTIN's check digit is wrong."
    assert found[(4, "gtin")]["item"] == "BADGTIN"
    assert found[(5, "category")]["message"] == "No category has the path 'garden/tools'."
    assert found[(6, "retail_price")]["message"] == "KRW prices have 0 decimal places."
    assert {(7, "weight_kg"), (7, "b2c_prices"), (7, "options")} <= set(found)
    assert job.error_count == len(job.errors) == 6
    assert set(Variant.objects.filter(product__company=company).values_list("sku", flat=True)) == {"GOOD1-1", "GOOD2-1"}
    assert not Variant.objects.filter(sku="BADGTIN-1").exists()  # the product is all or nothing


def test_a_product_whose_rows_disagree_or_are_not_consecutive_is_refused(categories):
    company = company_with_owner()
    data = csv_bytes(
        [
            lamp("A", sku="A-1"),
            lamp("A", sku="A-2", retail_price="50000"),  # row 3 disagrees with row 2
            lamp("B", sku="B-1"),
            lamp("C", sku="C-1"),
            lamp("C", sku="C-2", mode="", title_en="", retail_price=""),  # empty product cells are fine
            lamp("B", sku="B-2"),  # row 7: B again, after C
        ]
    )

    job = run_import(company, data)

    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "retail_price"), (7, "product_key")]
    assert "repeat it or leave it empty" in job.errors[0]["message"]
    assert "must be consecutive" in job.errors[1]["message"]
    assert sorted(Variant.objects.filter(product__company=company).values_list("sku", flat=True)) == [
        "B-1",
        "C-1",
        "C-2",
    ]


def test_export_then_import_into_another_company_gives_equal_products(api, categories):
    brand = brand_with_members(2)
    source, target = (m.company for m in brand.memberships.filter(role="member").order_by("pk"))
    lighting = category("home/lighting", schema=[{"code": "wattage", "type": "integer", "required": False}])
    product(
        source,
        brand=brand,
        category=lighting,
        mode="both",
        attributes={"wattage": 5},
        b2c_prices={"USD": Decimal("32.00"), "JPY": Decimal("4800")},
        moq=100,
        order_multiple=50,
        lead_time_days=21,
        sample_policy="free",
        incoterms=["FOB", "CIF"],
        price_tiers=[
            {"min_quantity": 100, "unit_price": Decimal("40000")},
            {"min_quantity": 500, "unit_price": Decimal("38000")},
        ],
        translations={locale: {"title": f"Lamp, {locale}", "description": f"Text\nin {locale}"} for locale in LOCALES},
        variants=[
            {
                "sku": "RT-S",
                "gtin": gtin("880123456789"),
                "options": {"size": "S", "colour": "흰색"},
                "weight_kg": Decimal("0.8"),
                "length_cm": Decimal("20.5"),
                "width_cm": Decimal("20"),
                "height_cm": Decimal("31.0"),
                "hs_code": "94054000",
                "origin_country": "VN",
            },
            {"sku": "RT-L", "weight_kg": Decimal("1.25")},
        ],
    )
    product(source, category=categories["kitchen"], base_currency="USD", retail_price=Decimal("19.90"), hs_code="")

    response = api.as_user(owner_of(source)).get(EXPORT_URL, {"company": source.pk})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    exported = b"".join(response.streaming_content)
    header = next(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    assert header == csv_format.columns()

    def contents(company):
        # Images are uploaded separately and are not part of the CSV.
        return sorted(
            (
                {k: v for k, v in product_content(p).items() if k != "images"}
                for p in Product.objects.filter(company=company)
            ),
            key=lambda c: c["variants"][0][0],
        )

    before = contents(source)
    # SKUs are unique platform-wide, so the originals go before the same file is imported elsewhere.
    # Deleting them (rather than rewriting the SKU column) imports the file exactly as exported,
    # so nothing in the test stands between export and import, and SKUs compare too.
    for item in Product.objects.filter(company=source):
        product_delete(actor=owner_of(source), product=item)

    job = run_import(target, exported)

    assert job.status == Job.Status.SUCCEEDED, job.errors
    assert contents(target) == before
    assert len(before) == 2 and [c["brand"] for c in before] == [None, brand.slug]


def test_an_idempotency_key_repeat_returns_the_same_job(api, categories):
    company = company_with_owner()
    client = api.as_user(owner_of(company))
    data = valid_file()

    def post(key):
        return client.post(
            IMPORT_URL, {"file": upload(data), "company": company.pk}, format="multipart", HTTP_IDEMPOTENCY_KEY=key
        )

    first, repeat, other = post("import-1"), post("import-1"), post("import-2")

    assert first.status_code == repeat.status_code == other.status_code == 202
    assert repeat.json()["id"] == first.json()["id"] != other.json()["id"]
    assert repeat["Idempotent-Replayed"] == "true"
    assert Job.objects.filter(kind="product_import").count() == 2


def test_staff_of_another_company_can_neither_import_into_it_nor_export_it(api, categories):
    company = company_with_owner()
    product(company, category=categories["lighting"])
    outsider = owner_of(company_with_owner())
    viewer = staff(company, "viewer")

    def post(user):
        return api.as_user(user).post(
            IMPORT_URL, {"file": upload(valid_file()), "company": company.pk}, format="multipart"
        )

    refused = post(outsider)
    assert refused.status_code == 400 and refused.json()["errors"][0]["attr"] == "company"
    assert post(viewer).status_code == 403
    with pytest.raises(NotPermitted):
        products_import_start(actor=outsider, company=company, uploaded_file=upload(valid_file()))
    assert not Job.objects.exists()

    assert api.as_user(outsider).get(EXPORT_URL, {"company": company.pk}).status_code == 404
    own = b"".join(api.as_user(outsider).get(EXPORT_URL).streaming_content).decode("utf-8-sig")
    assert own.count("\n") == 1  # the header only
    with pytest.raises(NotPermitted):
        imports.products_export(user=outsider, company=company)
    assert api.as_user(viewer).get(EXPORT_URL, {"company": company.pk}).status_code == 200


def test_the_job_shows_progress_and_errors_to_its_owner_and_is_a_404_to_others(api, operator, categories):
    company = company_with_owner()
    job = run_import(company, csv_bytes([lamp("OK"), lamp("BAD", retail_price="ten")]))

    shown = api.as_user(owner_of(company)).get(f"/api/v1/jobs/{job.pk}/")
    assert shown.status_code == 200
    body = shown.json()
    assert (body["status"], body["progress"], body["processed"], body["error_count"]) == ("partially_failed", 100, 2, 1)
    assert body["errors"] == [
        {
            "row": 3,
            "column": "retail_price",
            "item": "BAD",
            "message": "Expected a number such as 12.50 (a dot for decimals, no separators); got 'ten'.",
        }
    ]
    assert api.as_user(owner_of(company_with_owner())).get(f"/api/v1/jobs/{job.pk}/").status_code == 404
    assert api.as_user(operator).get(f"/api/v1/jobs/{job.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x40", "not UTF-8"),
        (b"product_key,category,titel_en,sku\r\nA,home/lighting,Lamp,A-1\r\n", "titel_en: Unknown column"),
        (b"product_key,category,title_en\r\nA,home/lighting,Lamp\r\n", "sku: This column is required"),
        (b"product_key,category,sku\r\n", "no rows"),
    ],
)
def test_a_file_that_is_not_a_product_csv_is_refused_before_a_job_exists(api, categories, data, message):
    company = company_with_owner()
    response = api.as_user(owner_of(company)).post(
        IMPORT_URL, {"file": upload(data), "company": company.pk}, format="multipart"
    )
    assert response.status_code == 400
    assert any(message in e["detail"] and e["attr"] == "file" for e in response.json()["errors"]), response.json()
    assert not Job.objects.exists()


def test_files_over_the_row_limit_are_refused(categories, settings):
    settings.IMPORT_MAX_ROWS = 3
    company = company_with_owner()
    with pytest.raises(InvalidInput, match="at most 3"):
        products_import_start(
            actor=owner_of(company), company=company, uploaded_file=upload(csv_bytes([lamp(f"P{n}") for n in range(4)]))
        )


def test_the_grouping_yields_a_product_before_reading_the_next_ones():
    def records():
        yield csv_format.columns()
        yield ["A", "home/lighting"]
        yield ["A", "home/lighting"]
        yield ["B", "home/lighting"]
        raise AssertionError("read past the first row of the second product")

    groups = csv_format.product_groups(records())
    first = next(groups)
    assert (first.key, [number for number, _ in first.rows]) == ("A", [2, 3])


def test_the_import_reads_the_stored_file_as_a_stream_and_writes_products_as_it_goes(categories, monkeypatch):
    """The file goes through csv.reader a buffer at a time: no read takes the whole file, and the
    first products are written before its end is read."""
    company = company_with_owner()
    data = csv_bytes([lamp(f"S{n}", description_en="x" * 4000) for n in range(40)])  # ~170 KB
    job = products_import_start(actor=owner_of(company), company=company, uploaded_file=upload(data))
    reads = []  # (bytes asked for, products written by then)

    class SpyRaw(io.RawIOBase):
        def __init__(self):
            self.inner = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, buffer):
            assert len(buffer) < len(data) // 4, "a read asked for (almost) the whole file"
            chunk = self.inner.read(len(buffer))
            buffer[: len(chunk)] = chunk
            reads.append((len(chunk), Product.objects.filter(company=company).count()))
            return len(chunk)

    storage = Job._meta.get_field("input_file").storage
    monkeypatch.setattr(storage, "open", lambda name, mode="rb": io.BufferedReader(SpyRaw()))

    job = products_import(job_id=job.pk)

    assert job.counts["products_created"] == 40
    assert len(reads) > 5
    assert reads[-1][1] > 0  # products existed before the last part of the file was read


def test_a_cancelled_import_stops_and_keeps_only_what_its_counts_say(categories, monkeypatch):
    monkeypatch.setattr(imports, "BATCH_ROWS", 1)
    company = company_with_owner()
    job = products_import_start(
        actor=owner_of(company), company=company, uploaded_file=upload(csv_bytes([lamp(f"C{n}") for n in range(4)]))
    )

    def cancel_after_first_batch(done, total):
        if Job.objects.get(pk=job.pk).status == Job.Status.RUNNING:
            job_cancel(job=Job.objects.get(pk=job.pk))

    job = products_import(job_id=job.pk, on_progress=cancel_after_first_batch)

    assert job.status == Job.Status.CANCELLED
    assert job.counts == {"products_created": 1, "products_failed": 0, "rows": 1}
    assert Product.objects.filter(company=company).count() == 1
    assert products_import(job_id=job.pk) is None  # a redelivered task does nothing


def test_operators_import_a_file_with_the_command_and_see_progress(operator, categories, tmp_path):
    company = company_with_owner()
    path = tmp_path / "catalogue.csv"
    path.write_bytes(valid_file())
    out = io.StringIO()

    call_command("import_products", str(path), company=company.pk, stdout=out)

    assert "100%  4/4 rows" in out.getvalue()
    assert "succeeded: 3 products created, 0 failed, from 4 rows." in out.getvalue()
    job = Job.objects.get()
    assert (job.owner, job.scope) == (operator, {"company": company.pk, "rows": 4})
    assert Product.objects.filter(company=company).count() == 3
