"""QC inspections of a product against its brand's current standard."""

from django.db import transaction

from brands.selectors import brand_current_standard, brand_is_led_by_user
from core.errors import Conflict, InvalidInput, NotPermitted
from core.events import EventType
from core.models import User
from core.permissions import is_operator
from core.services import event_record
from listings.models import (
    Inspection,
    InspectionDefect,
    InspectionResult,
    Product,
)
from listings.selectors import product_text
from listings.services.lifecycle import product_lock
from listings.services.products import product_event_record
from listings.validation import (
    FieldErrors,
)


@transaction.atomic
def inspection_record(
    *,
    actor: User,
    product: Product,
    results: list[dict],
    notes: str = "",
    lot_number: str = "",
    sample_size: int | None = None,
    units_inspected: int | None = None,
    defects: list[dict] | None = None,
) -> Inspection:
    """A QC inspection against the current version of the product's brand standard, item by
    item. It fails when any required item fails."""
    product = product_lock(product)
    if product.brand_id is None:
        raise Conflict("Only a product under a brand is inspected against a brand standard.", attr="product")
    if not (is_operator(actor) or brand_is_led_by_user(brand=product.brand, user=actor)):
        raise NotPermitted("Only the brand's lead company or an operator records inspections.")
    standard = brand_current_standard(product.brand)
    if standard is None:
        raise Conflict(f"{product.brand.name} has no quality standard yet.", attr="product")
    items = {item.code: item for item in standard.items.all()}
    errors = FieldErrors()
    given = [result["code"] for result in results]
    for i, code in enumerate(given):
        if code not in items:
            errors.add(f"results.{i}.code", "unknown_item", f"Standard v{standard.version} has no item {code}.")
        elif given.count(code) > 1:
            errors.add(f"results.{i}.code", "duplicate_item", "Each item is reported once.")
    for code in items:
        if code not in given:
            errors.add("results", "missing_item", f"Item {code} of standard v{standard.version} is not reported.")
    if sample_size is not None and units_inspected is not None and units_inspected > sample_size:
        errors.add("units_inspected", "exceeds_sample", "More units inspected than the sample holds.")
    if errors:
        raise InvalidInput("The inspection is incomplete or invalid.", fields=dict(errors))
    failed_required = [code for code in given if not _result(results, code)["passed"] and items[code].required]
    inspection = Inspection.objects.create(
        product=product,
        standard=standard,
        inspector=actor,
        outcome=Inspection.Outcome.FAILED if failed_required else Inspection.Outcome.PASSED,
        notes=notes,
        lot_number=lot_number,
        sample_size=sample_size,
        units_inspected=units_inspected,
    )
    InspectionResult.objects.bulk_create(
        InspectionResult(inspection=inspection, item=items[r["code"]], passed=r["passed"], note=r.get("note", ""))
        for r in results
    )
    InspectionDefect.objects.bulk_create(
        InspectionDefect(inspection=inspection, code=d["code"], quantity=d["quantity"], note=d.get("note", ""))
        for d in defects or []
    )
    product_event_record(
        product,
        f"inspection_{inspection.outcome}",
        actor,
        reason=f"Against {product.brand.name} standard v{standard.version}.",
    )
    if failed_required:
        data = {
            "inspection": {
                "id": inspection.pk,
                "product": {
                    "id": product.pk,
                    "company": product.company_id,
                    "title": product_text(product, "en")["title"],
                },
                "brand": {"id": product.brand_id, "name": product.brand.name},
                "standard_version": standard.version,
                "failed_items": [
                    {"code": code, "text": items[code].text, "note": _result(results, code).get("note", "")}
                    for code in failed_required
                ],
                "notes": notes,
            }
        }
        event_record(type=EventType.INSPECTION_FAILED, data=data, company_ids=[product.company_id])
    return inspection


def _result(results: list[dict], code: str) -> dict:
    return next(result for result in results if result["code"] == code)
