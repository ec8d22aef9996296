"""Seller onboarding, after Kmall24's procedure in the reference report's annex ("Prepare required
documents -> apply for launching product online -> evaluation -> approval of launching ->
training -> register products -> approval of product"): a company applies with its business
registration certificate (and, where the SME rule set reads figures, a document behind them), an
operator evaluates it against ONBOARDING_CHECKLIST with notes, then approves or rejects with
reasons. Until approved a company may draft products but not publish them, be an active brand
member or be co-financed (`company_require_approved_seller`)."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from brands.eligibility import RULE_SET_FIGURES
from brands.models import Company, CompanyStaff, SellerApplication, SellerApplicationEvent
from brands.selectors import user_has_company_role
from core.errors import Conflict, InvalidInput, NotPermitted, WrongState
from core.media import document_check
from core.models import User
from core.permissions import is_operator

S = SellerApplication.Status

# What the operator checks; every item must hold before an approval.
ONBOARDING_CHECKLIST = {
    "registration_matches": "The registration certificate names the company, its number and country.",
    "figures_match": "The figures behind the SME verdict match the documents.",
    "products_fit": "The products the company means to sell are allowed on the platform.",
    "contact_verified": "The company's contact person was reached.",
}
# Training modules an approved seller reads before it sells.
TRAINING_MODULES = {
    "platform_rules": "Platform rules, fees and co-financing",
    "listing_quality": "Listing quality: translations, images, HS codes",
    "shipping_and_customs": "Inbound shipments, consolidation and customs",
}
DOCUMENTS = ("registration_certificate", "figures_document")


def figures_document_required() -> bool:
    return bool(RULE_SET_FIGURES.get(settings.SME_RULE_SET))


def company_require_approved_seller(company: Company, action: str, attr: str | None = None) -> None:
    """Refuses what only an approved seller may do (409 with the reason)."""
    if company.seller_approved_at is None:
        raise Conflict(
            f"{company.legal_name} is not an approved seller yet, so it cannot {action}.",
            attr=attr,
            reasons=[("seller_not_approved", "The company's seller application is not approved.")],
        )


def _event(application: SellerApplication, kind: str, actor, from_status: str = "", note: str = "") -> None:
    SellerApplicationEvent.objects.create(
        application=application,
        kind=kind,
        from_status=from_status,
        to_status=application.status,
        actor=actor if actor is not None and actor.is_authenticated else None,
        note=note,
    )


def _attach(application: SellerApplication, documents: dict) -> None:
    """Checks every upload (type by content, size) before storing any."""
    checked = {}
    for name in DOCUMENTS:
        upload = documents.get(name)
        if upload is not None:
            checked[name] = (upload, document_check(upload, attr=name, max_bytes=settings.SELLER_DOCUMENT_MAX_BYTES))
    for name, (upload, content_type) in checked.items():
        filename = (upload.name or name).rsplit("/", 1)[-1][-100:]
        getattr(application, name).save(filename, upload, save=False)
        setattr(application, f"{name}_type", content_type)


def _lock(application: SellerApplication) -> SellerApplication:
    return SellerApplication.objects.select_for_update().select_related("company").get(pk=application.pk)


def _require_owner(actor: User, company: Company) -> None:
    if not (is_operator(actor) or user_has_company_role(actor, company.pk, CompanyStaff.Role.OWNER)):
        raise NotPermitted("Only the company's owners apply to sell.")


@transaction.atomic
def seller_application_create(*, actor: User, company: Company, **documents) -> SellerApplication:
    _require_owner(actor, company)
    company = Company.objects.select_for_update().get(pk=company.pk)
    if SellerApplication.objects.filter(company=company).exists():
        raise Conflict(f"{company.legal_name} has an application already.", attr="company")
    application = SellerApplication(company=company)
    _attach(application, documents)
    application.save()
    _event(application, "created", actor)
    return application


@transaction.atomic
def seller_application_submit(*, actor: User, application: SellerApplication, **documents) -> SellerApplication:
    """Sends a draft (or a rejected application, with new documents) for evaluation."""
    application = _lock(application)
    _require_owner(actor, application.company)
    if application.status not in (S.DRAFT, S.REJECTED):
        raise WrongState(f"A {application.status} application cannot be submitted.")
    _attach(application, documents)
    missing = {"registration_certificate": "Upload the business registration certificate."}
    if figures_document_required():
        figures = ", ".join(RULE_SET_FIGURES[settings.SME_RULE_SET]).replace("_", " ")
        missing["figures_document"] = f"Upload a document behind the figures the SME rule set reads ({figures})."
    errors = {name: [("required", text)] for name, text in missing.items() if not getattr(application, name)}
    if errors:
        raise InvalidInput("The application lacks documents.", fields=errors)
    from_status = application.status
    application.status = S.SUBMITTED
    application.submitted_at = timezone.now()
    application.checklist, application.notes = {}, ""
    application.save()
    _event(application, "submitted", actor, from_status)
    return application


def _require_operator(actor: User, what: str) -> None:
    if not is_operator(actor):
        raise NotPermitted(f"Only operators {what}.")


@transaction.atomic
def seller_application_evaluate(
    *, actor: User, application: SellerApplication, checklist: dict, notes: str = ""
) -> SellerApplication:
    """Records the operator's checklist (items not named keep their value) and notes."""
    _require_operator(actor, "evaluate seller applications")
    application = _lock(application)
    if application.status != S.SUBMITTED:
        raise WrongState(f"A {application.status} application cannot be evaluated; it must be submitted.")
    unknown = sorted(set(checklist) - set(ONBOARDING_CHECKLIST))
    if unknown:
        raise InvalidInput(f"Unknown checklist items: {', '.join(unknown)}.", attr="checklist")
    if not all(isinstance(value, bool) for value in checklist.values()):
        raise InvalidInput("Each checklist item is true or false.", attr="checklist")
    application.checklist = {**application.checklist, **checklist}
    if notes:
        application.notes = notes
    application.save(update_fields=["checklist", "notes"])
    _event(application, "evaluated", actor, application.status, note=notes)
    return application


@transaction.atomic
def seller_application_decide(
    *, actor: User, application: SellerApplication, approve: bool, reasons: str
) -> SellerApplication:
    """Approves (every checklist item holds) or rejects, with reasons. Approval makes the company
    an approved seller and marks its SME figures verified."""
    _require_operator(actor, "decide seller applications")
    if not reasons.strip():
        raise InvalidInput("Give the reasons for the decision.", attr="reasons")
    application = _lock(application)
    if application.status != S.SUBMITTED:
        raise WrongState(f"A {application.status} application cannot be decided; it must be submitted.")
    if approve:
        unchecked = [code for code in ONBOARDING_CHECKLIST if application.checklist.get(code) is not True]
        if unchecked:
            raise Conflict(
                "Every checklist item must hold before an approval.",
                attr="checklist",
                reasons=[("unchecked", f"{code}: {ONBOARDING_CHECKLIST[code]}") for code in unchecked],
            )
    now = timezone.now()
    from_status = application.status
    application.status = S.APPROVED if approve else S.REJECTED
    application.decision_reasons = reasons
    application.decided_by = actor
    application.decided_at = now
    application.save()
    if approve:
        company = Company.objects.select_for_update().get(pk=application.company_id)
        company.seller_approved_at = now
        company.figures_verified_at = now
        company.save(update_fields=["seller_approved_at", "figures_verified_at"])
    _event(application, application.status, actor, from_status, note=reasons)
    return application


@transaction.atomic
def seller_training_mark_read(*, actor: User, application: SellerApplication, module: str) -> SellerApplication:
    if module not in TRAINING_MODULES:
        raise InvalidInput(f"Unknown training module; one of {', '.join(TRAINING_MODULES)}.", attr="module")
    application = _lock(application)
    if not (is_operator(actor) or user_has_company_role(actor, application.company_id, CompanyStaff.Role.EDITOR)):
        raise NotPermitted("Only the company's owners and editors record training.")
    if module not in application.training_read:
        application.training_read = [*application.training_read, module]
        application.save(update_fields=["training_read"])
        _event(application, "training_read", actor, application.status, note=module)
    return application


@transaction.atomic
def seller_first_product_record(*, company_id: int) -> None:
    """Called by listings when one of the company's products is approved; the first one counts."""
    application = SellerApplication.objects.select_for_update().filter(company_id=company_id).first()
    if application is not None and application.first_product_approved_at is None:
        application.first_product_approved_at = timezone.now()
        application.save(update_fields=["first_product_approved_at"])
        _event(application, "first_product_approved", None, application.status)


def seller_onboarding_steps(application: SellerApplication) -> list[dict]:
    """The step list an SME follows, each with whether it is done."""
    steps = [
        {"code": "documents", "label": "Upload documents", "done": bool(application.registration_certificate)},
        {"code": "submitted", "label": "Submit for evaluation", "done": application.submitted_at is not None},
        {"code": "approved", "label": "Approval of launching", "done": application.status == S.APPROVED},
    ]
    steps += [
        {"code": f"training:{code}", "label": label, "done": code in application.training_read}
        for code, label in TRAINING_MODULES.items()
    ]
    steps.append(
        {
            "code": "first_product_approved",
            "label": "First product approved",
            "done": application.first_product_approved_at is not None,
        }
    )
    return steps
