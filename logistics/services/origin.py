"""FTA preferences: which agreement rate a product's goods can enter a country at, from the
agreements' dated preferential rates and the product's origin qualifications (declared by its
SME with a supporting document, verified or rejected by an operator)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.files import File
from django.db import connections, router, transaction
from django.utils import timezone

from brands.models import CompanyStaff
from brands.selectors import user_has_company_role
from core.errors import InvalidInput, NotPermitted, WrongState
from core.permissions import require_operator
from core.sql import columns, instance, table, typed_rows
from listings.models import Product
from logistics.models import OriginQualification, PreferentialRate, TradeAgreement


@dataclass(frozen=True)
class Preference:
    """The FTA rate a line enters at: the agreement, the rate row and the product's verified
    qualification that earns it (with what the proof of origin needs)."""

    agreement: TradeAgreement
    rate_id: int
    rate: Decimal
    hs_prefix: str
    valid_from: date
    qualification_id: int
    criterion: str
    certificate_number: str
    authorisation: str

    def statement(self, exporter: str) -> str:
        """The origin text the declaration line carries: the agreement's prescribed statement,
        or for a certificate-based agreement, the certificate's reference."""
        if self.agreement.proof == TradeAgreement.Proof.CERTIFICATE:
            return f"{self.agreement.name}: certificate of origin No. {self.certificate_number}."
        return self.agreement.origin_statement.format(exporter=exporter, authorisation=self.authorisation or "-")

    def as_dict(self) -> dict:
        return {
            "agreement": self.agreement.code,
            "rate_id": self.rate_id,
            "hs_prefix": self.hs_prefix,
            "valid_from": self.valid_from.isoformat(),
            "rate": str(self.rate),
            "qualification": self.qualification_id,
            "criterion": self.criterion,
        }


RATE_FIELDS = tuple(PreferentialRate._meta.concrete_fields)
AGREEMENT_FIELDS = tuple(TradeAgreement._meta.concrete_fields)
QUALIFICATION_FIELDS = tuple(
    OriginQualification._meta.get_field(name)
    for name in ("product", "id", "criterion", "certificate_number", "exporter_authorisation")
)


def preferences_in_force(*, country: str, on: date, product_ids) -> dict[int, list[Preference]]:
    """{product id: every preference its verified, current qualifications can earn entering the
    country on the day}, per agreement the newest rate row of each prefix. One query: the rate
    rows joined to the qualifications (each row is one qualification's), whatever the number of
    lines; plain SQL (core.sql), as checkout prices through here on every request with options.
    Party and proof checks are the caller's."""
    product_ids = [pk for pk in set(product_ids) if pk is not None]
    if not product_ids:
        return {}
    db = connections[router.db_for_read(PreferentialRate)]
    sql = f"""
        SELECT {columns(PreferentialRate, "r")}, {columns(TradeAgreement, "a")},
            {", ".join(f"q.{field.column}" for field in QUALIFICATION_FIELDS)}
        FROM {table(PreferentialRate)} r
        JOIN {table(TradeAgreement)} a ON a.id = r.agreement_id
        JOIN {table(OriginQualification)} q ON q.agreement_id = a.id
        WHERE r.country = %s AND r.valid_from <= %s AND a.in_force_from <= %s
            AND q.product_id IN ({", ".join(["%s"] * len(product_ids))}) AND q.status = %s
            AND q.valid_from <= %s AND (q.valid_to IS NULL OR q.valid_to >= %s)
        ORDER BY q.product_id, r.agreement_id, r.hs_prefix, r.valid_from DESC
    """  # noqa: S608 - table and column names from the models, values bound as parameters
    day = db.ops.adapt_datefield_value(on)
    params = [country, day, day, *product_ids, OriginQualification.Status.VERIFIED, day, day]
    found: dict[int, dict] = {}
    for row in typed_rows(db, sql, params, RATE_FIELDS + AGREEMENT_FIELDS + QUALIFICATION_FIELDS):
        rate = instance(PreferentialRate, db, row[: len(RATE_FIELDS)])
        product_id, qualification_id, criterion, certificate_number, authorisation = row[-len(QUALIFICATION_FIELDS) :]
        newest = found.setdefault(product_id, {})
        if (rate.agreement_id, rate.hs_prefix) in newest:
            continue
        newest[rate.agreement_id, rate.hs_prefix] = Preference(
            agreement=instance(TradeAgreement, db, row[len(RATE_FIELDS) : -len(QUALIFICATION_FIELDS)]),
            rate_id=rate.pk,
            rate=rate.rate,
            hs_prefix=rate.hs_prefix,
            valid_from=rate.valid_from,
            qualification_id=qualification_id,
            criterion=criterion,
            certificate_number=certificate_number,
            authorisation=authorisation,
        )
    return {product_id: list(newest.values()) for product_id, newest in found.items()}


def preference_for(candidates: list[Preference], *, hs_code: str, origin: str, destination: str) -> Preference | None:
    """The lowest rate among the agreements between the line's origin and the destination whose
    proof will travel (a statement the platform prints, or a certificate whose number is on
    file), each agreement's rate the longest prefix matching the HS code."""
    best: dict[int, Preference] = {}
    for pref in candidates:
        agreement = pref.agreement
        if not agreement.covers(origin, destination) or not hs_code.startswith(pref.hs_prefix):
            continue
        if agreement.proof == TradeAgreement.Proof.CERTIFICATE and not pref.certificate_number.strip():
            continue
        current = best.get(agreement.pk)
        if current is None or len(pref.hs_prefix) > len(current.hs_prefix):
            best[agreement.pk] = pref
    return min(best.values(), key=lambda pref: (pref.rate, pref.agreement.code), default=None)


def _qualification_lock(qualification: OriginQualification) -> OriginQualification:
    return OriginQualification.objects.select_for_update().select_related("agreement").get(pk=qualification.pk)


@transaction.atomic
def origin_qualification_declare(
    *,
    actor,
    product: Product,
    agreement: TradeAgreement,
    criterion: str,
    declaration: str,
    supporting_document: File,
    valid_from: date,
    valid_to: date | None = None,
    certificate_number: str = "",
    exporter_authorisation: str = "",
) -> OriginQualification:
    """The product's SME (an editor or owner) declares that it qualifies under the agreement,
    with the criterion it meets, a supporting document and the period covered. A new
    declaration replaces the previous one and waits for an operator's check again: until then
    no estimate uses it."""
    if not user_has_company_role(actor, product.company_id, CompanyStaff.Role.EDITOR):
        raise NotPermitted("Only the product's company staff (editor or owner) may declare its origin.")
    errors: dict = {}
    if criterion not in OriginQualification.Criterion.values:
        errors["criterion"] = [("invalid", f"One of {', '.join(OriginQualification.Criterion.values)}.")]
    if not str(declaration or "").strip():
        errors["declaration"] = [("required", "Say how the product meets the criterion.")]
    if not supporting_document:
        errors["supporting_document"] = [("required", "Attach the cost breakdown, BOM or certificate.")]
    if valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = [("before_valid_from", "The period cannot end before it starts.")]
    origin = str(product.origin_country or "")
    if origin and origin not in agreement.parties:
        errors["agreement"] = [("origin_not_a_party", f"{origin} is not a party to {agreement.code}.")]
    if agreement.proof == TradeAgreement.Proof.CERTIFICATE and not certificate_number.strip():
        errors["certificate_number"] = [("required", f"{agreement.code} is proven by a certificate of origin.")]
    if errors:
        raise InvalidInput("The origin declaration is incomplete.", fields=errors)
    qualification = OriginQualification.objects.select_for_update().filter(
        product=product, agreement=agreement
    ).first() or OriginQualification(product=product, agreement=agreement)
    qualification.criterion = criterion
    qualification.declaration = declaration.strip()
    qualification.supporting_document = supporting_document
    qualification.certificate_number = certificate_number.strip()
    qualification.exporter_authorisation = exporter_authorisation.strip()
    qualification.valid_from = valid_from
    qualification.valid_to = valid_to
    qualification.status = OriginQualification.Status.DECLARED
    qualification.declared_by = actor
    qualification.checked_by = None
    qualification.checked_at = None
    qualification.check_note = ""
    qualification.save()
    return qualification


def _check(qualification, actor, status, note) -> OriginQualification:
    require_operator(actor, "checks origin declarations")
    qualification = _qualification_lock(qualification)
    if qualification.status != OriginQualification.Status.DECLARED:
        raise WrongState(f"The qualification is {qualification.status}; only a declared one is checked.")
    qualification.status = status
    qualification.checked_by = actor
    qualification.checked_at = timezone.now()
    qualification.check_note = note
    qualification.save(update_fields=["status", "checked_by", "checked_at", "check_note"])
    return qualification


@transaction.atomic
def origin_qualification_verify(*, actor, qualification: OriginQualification, note: str = "") -> OriginQualification:
    """An operator checked the declaration against its document: estimates may use it."""
    return _check(qualification, actor, OriginQualification.Status.VERIFIED, str(note or "").strip())


@transaction.atomic
def origin_qualification_reject(*, actor, qualification: OriginQualification, reason: str) -> OriginQualification:
    """An operator found the declaration wanting, for a reason the SME reads."""
    if not str(reason or "").strip():
        raise InvalidInput("Say why the declaration is rejected.", attr="reason")
    return _check(qualification, actor, OriginQualification.Status.REJECTED, reason.strip())
