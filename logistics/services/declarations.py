"""Customs declarations of export consignments, draft -> submitted -> cleared | held -> released,
with duty and tax estimated through logistics.services.duties and the commercial invoice and the
CN23-style declaration rendered to storage on submission. Rows are locked in the order
logistics.services.consignments documents: consignment -> declaration -> reservation -> stock."""

from datetime import date
from decimal import ROUND_UP, Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from core.errors import Conflict, InvalidInput, WrongState
from core.money import Money
from core.permissions import require_operator
from listings.models import ProductTranslation
from listings.selectors import product_text
from logistics.models import (
    Consignment,
    ConsignmentLine,
    CustomsDeclaration,
    DeclarationLine,
    RestrictedGood,
)
from logistics.services.consignments import (
    C,
    D,
    consignment_lock,
    consignment_manager_require,
    errors_raise,
    text_clean,
)
from logistics.services.duties import (
    DutyEstimate,
    GoodsLine,
    duties_estimate,
    hs_code_clean,
    restricted_goods_check,
)

# Gross weight when the parcels are not known yet (a declaration is made before the goods are
# packed for the carrier): net weight plus 10% for packaging, rounded up to the gram.
PACKAGING_ALLOWANCE = Decimal("1.1")
GRAMS = Decimal("0.001")


class RestrictedGoods(Conflict):
    code = "restricted_goods"


def _declared_line(line: ConsignmentLine) -> dict:
    """A declaration line from listings data: the English title, the variant's HS code and origin
    over the product's, net weight = the variant's weight x quantity, gross = net + 10%."""
    variant, product = line.variant, line.variant.product
    text = product_text(product, "en")
    net = variant.weight_kg * line.quantity if variant.weight_kg is not None else None
    return {
        "description": text["title"][:300] if text["locale"] == "en" else "",
        "hs_code": variant.hs_code or product.hs_code,
        "origin_country": variant.origin_country or product.origin_country,
        "manufacturer_id": line.manufacturer_id,
        "product_id": product.pk,
        "quantity": line.quantity,
        "unit_value": line.unit_value,
        "net_weight_kg": net,
        "gross_weight_kg": (net * PACKAGING_ALLOWANCE).quantize(GRAMS, rounding=ROUND_UP) if net is not None else None,
    }


def _estimate(declaration: CustomsDeclaration, lines: list, on: date) -> DutyEstimate:
    return duties_estimate(
        destination_country=str(declaration.destination_country),
        lines=[
            GoodsLine(
                hs_code=line.hs_code,
                origin_country=str(line.origin_country),
                quantity=line.quantity,
                unit_value=Money(line.unit_value or Decimal(0), declaration.currency),
                product_id=line.product_id,
            )
            for line in lines
        ],
        currency=declaration.currency,
        on=on,
    )


def _apply_estimate(declaration: CustomsDeclaration, lines: list, estimate: DutyEstimate) -> None:
    declaration.goods_value = estimate.goods_value.amount
    declaration.duty_amount = estimate.duty.amount
    declaration.tax_amount = estimate.tax.amount
    declaration.rule_versions = estimate.rule_versions
    scheme = estimate.tax_scheme
    declaration.tax_scheme = scheme.code if scheme else ""
    declaration.tax_registration_number = scheme.registration_number if scheme else ""
    for line, priced in zip(lines, estimate.lines, strict=True):
        line.duty_rate = priced.duty_rate
        line.mfn_rate = priced.mfn_rate
        preference = priced.preference
        line.agreement_code = preference.agreement.code if preference else ""
        line.origin_statement = preference.statement(declaration.exporter_name) if preference else ""
    DeclarationLine.objects.bulk_update(lines, ["duty_rate", "mfn_rate", "agreement_code", "origin_statement"])


def exporter_name(consignment: Consignment) -> str:
    if consignment.brand_id:
        return f"{consignment.brand.display_name('en')} (consolidated by {consignment.exporter.display_name('en')})"[
            :200
        ]
    return consignment.exporter.display_name("en")


@transaction.atomic
def declaration_create(*, consignment: Consignment, actor) -> tuple[CustomsDeclaration, bool]:
    """The consignment's customs declaration, built from its lines and listings data, with its
    duty and tax estimated (rule versions stored). Declaring again while the declaration is a
    draft rebuilds it from the current listings data (after an SME fixed an HS code or a
    weight). Returns the declaration and whether it was created."""
    consignment = consignment_lock(consignment)
    consignment_manager_require(actor, consignment.brand.lead_company_id if consignment.brand_id else None)
    if consignment.status != C.DRAFT:
        raise WrongState(f"A {consignment.status} consignment cannot be declared.")
    declaration = CustomsDeclaration.objects.select_for_update().filter(consignment=consignment).first()
    if declaration is not None and declaration.status != D.DRAFT:
        raise WrongState(f"The declaration is {declaration.status}; only a draft is rebuilt.")
    lines = list(
        consignment.lines.select_related("variant__product")
        .prefetch_related(Prefetch("variant__product__translations", queryset=ProductTranslation.objects.all()))
        .order_by("pk")
    )
    currencies = {line.currency for line in lines}
    if len(currencies) != 1:
        raise Conflict("A declaration needs the consignment's lines in one currency.", attr="currency")
    fields = {
        "exporter": consignment.exporter,
        "exporter_name": exporter_name(consignment),
        "importer_name": consignment.importer_name,
        "importer_address": consignment.importer_address,
        "consignee_name": consignment.consignee_name or consignment.importer_name,
        "consignee_address": consignment.consignee_address or consignment.importer_address,
        "destination_country": consignment.destination_country,
        "incoterm": consignment.incoterm,
        "currency": currencies.pop(),
    }
    created = declaration is None
    if created:
        declaration = CustomsDeclaration.objects.create(consignment=consignment, **fields)
    else:
        for name, value in fields.items():
            setattr(declaration, name, value)
        declaration.lines.all().delete()
    declared = DeclarationLine.objects.bulk_create(
        DeclarationLine(declaration=declaration, **_declared_line(line)) for line in lines
    )
    _apply_estimate(declaration, declared, _estimate(declaration, declared, timezone.localdate()))
    declaration.save()
    return declaration, created


def _lock_declaration(declaration: CustomsDeclaration, allowed: list[str], action: str):
    """Locks the consignment (if any) and then the declaration, and checks the source state."""
    consignment_id = CustomsDeclaration.objects.values_list("consignment_id", flat=True).get(pk=declaration.pk)
    consignment = None
    if consignment_id is not None:
        consignment = Consignment.objects.select_for_update(of=("self",)).select_related("brand").get(pk=consignment_id)
    declaration = CustomsDeclaration.objects.select_for_update(of=("self",)).get(pk=declaration.pk)
    if declaration.status not in allowed:
        raise WrongState(f"A {declaration.status} declaration cannot be {action}.")
    return declaration, consignment


def declaration_problems(declaration: CustomsDeclaration, lines: list, consignment: Consignment | None) -> dict:
    """{attr: [(code, message)]}: every line needs a description, an HS code of 6 to 10 digits,
    an origin, a positive value and weights; the lines must match the consignment's."""
    errors: dict = {}

    def add(attr, code, message):
        errors.setdefault(attr, []).append((code, message))

    if not lines:
        add("lines", "required", "The declaration has no lines.")
    for i, line in enumerate(lines):
        name = f"Line {i + 1} ({line.description or 'no description'})"
        if not line.description.strip():
            add(f"lines.{i}.description", "required", f"Line {i + 1} has no English description.")
        hs_code = hs_code_clean(line.hs_code)
        if not hs_code:
            add(f"lines.{i}.hs_code", "required", f"{name} has no HS code.")
        elif not hs_code.isdigit() or not 6 <= len(hs_code) <= 10:
            add(f"lines.{i}.hs_code", "invalid", f"{name}: an HS code is 6 to 10 digits.")
        if not line.origin_country:
            add(f"lines.{i}.origin_country", "required", f"{name} has no country of origin.")
        if line.unit_value is None or line.unit_value <= 0:
            add(f"lines.{i}.unit_value", "required", f"{name} has no value.")
        if line.net_weight_kg is None or line.net_weight_kg <= 0:
            add(f"lines.{i}.net_weight_kg", "required", f"{name} has no net weight.")
        if line.gross_weight_kg is None or (line.net_weight_kg and line.gross_weight_kg < line.net_weight_kg):
            add(f"lines.{i}.gross_weight_kg", "required", f"{name} has no gross weight at least its net weight.")
    if consignment is not None:
        expected = list(consignment.lines.order_by("pk"))
        declared_units = sum(line.quantity for line in lines)
        consigned_units = sum(line.quantity for line in expected)
        declared_value = sum((line.quantity * (line.unit_value or 0) for line in lines), Decimal(0))
        consigned_value = sum((line.quantity * line.unit_value for line in expected), Decimal(0))
        if len(lines) != len(expected) or declared_units != consigned_units:
            add(
                "totals",
                "quantity_mismatch",
                f"{len(lines)} lines and {declared_units} units are declared; the consignment has "
                f"{len(expected)} lines and {consigned_units} units.",
            )
        if declared_value != consigned_value:
            add(
                "totals",
                "value_mismatch",
                f"Declared value {declared_value.normalize():f} differs from the consignment's "
                f"{consigned_value.normalize():f}.",
            )
    return errors


def _render_documents(declaration: CustomsDeclaration, lines: list) -> None:
    from logistics.documents import cn23_pdf, commercial_invoice_pdf

    declaration.commercial_invoice.save(
        f"CD-{declaration.pk}-commercial-invoice.pdf",
        ContentFile(commercial_invoice_pdf(declaration, lines)),
        save=False,
    )
    declaration.cn23.save(f"CD-{declaration.pk}-cn23.pdf", ContentFile(cn23_pdf(declaration, lines)), save=False)


@transaction.atomic
def declaration_submit(*, declaration: CustomsDeclaration, actor) -> CustomsDeclaration:
    """An operator submits a draft: every line must be complete and the totals must match the
    consignment (InvalidInput listing every problem), and no line may be restricted in the
    destination (RestrictedGoods, 409, naming each line and the reason). Duty and tax are
    estimated again with the rules in force today (a rule may have changed overnight since the
    draft), and the commercial invoice and CN23 are rendered into storage."""
    require_operator(actor, "submits customs declarations")
    declaration, consignment = _lock_declaration(declaration, [D.DRAFT], "submitted")
    if consignment is not None and consignment.status != C.DRAFT:
        raise WrongState(f"The consignment is {consignment.status}; its declaration cannot be submitted.")
    lines = list(declaration.lines.select_related("manufacturer").order_by("pk"))
    errors = declaration_problems(declaration, lines, consignment)
    if errors:
        count = sum(len(problems) for problems in errors.values())
        raise InvalidInput(f"The declaration is incomplete: {count} problem(s).", fields=errors)
    country = str(declaration.destination_country)
    restricted = {
        found.hs_code: found
        for found in restricted_goods_check(destination_country=country, hs_codes=[line.hs_code for line in lines])
    }
    refused = [
        (i, line, restricted[hs]) for i, line in enumerate(lines) if (hs := hs_code_clean(line.hs_code)) in restricted
    ]
    if refused:
        raise RestrictedGoods(
            f"{len(refused)} line(s) cannot be imported into {country} as declared.",
            reasons=[
                (
                    "prohibited" if found.restriction == RestrictedGood.Restriction.PROHIBITED else "licence_required",
                    f"Line {i + 1} (HS {line.hs_code}, {line.description}): "
                    f"{RestrictedGood.Restriction(found.restriction).label.lower()} in {country}. {found.reason}",
                )
                for i, line, found in refused
            ],
        )
    _apply_estimate(declaration, lines, _estimate(declaration, lines, timezone.localdate()))
    declaration.status = D.SUBMITTED
    declaration.submitted_at = timezone.now()
    _render_documents(declaration, lines)
    declaration.save()
    return declaration


def _decide(declaration: CustomsDeclaration, allowed: list[str], to_status: str, actor, action: str, **changes):
    require_operator(actor, f"records that customs {action} a declaration")
    declaration, _ = _lock_declaration(declaration, allowed, action)
    declaration.status = to_status
    declaration.decided_at = timezone.now()
    for name, value in changes.items():
        setattr(declaration, name, value)
    declaration.save(update_fields=["status", "decided_at", *changes])
    return declaration


@transaction.atomic
def declaration_clear(*, declaration: CustomsDeclaration, actor) -> CustomsDeclaration:
    """Customs cleared the submitted declaration: the goods may leave."""
    return _decide(declaration, [D.SUBMITTED], D.CLEARED, actor, "cleared")


@transaction.atomic
def declaration_hold(*, declaration: CustomsDeclaration, actor, reason: str) -> CustomsDeclaration:
    """Customs hold the submitted declaration, for a reason (a query, an inspection, a document)."""
    errors: dict = {}
    reason = text_clean(reason, "reason", 2000, errors)
    require_operator(actor, "records that customs hold a declaration")
    errors_raise(errors)
    return _decide(declaration, [D.SUBMITTED], D.HELD, actor, "held", hold_reason=reason)


@transaction.atomic
def declaration_release(*, declaration: CustomsDeclaration, actor) -> CustomsDeclaration:
    """Customs release a held declaration (the hold reason stays on record)."""
    return _decide(declaration, [D.HELD], D.RELEASED, actor, "released")
