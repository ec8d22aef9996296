"""Origin qualifications for tests, made through the services as an SME and an operator would."""

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from logistics.models import TradeAgreement
from logistics.services.origin import origin_qualification_declare, origin_qualification_verify
from tests.factories import OperatorFactory, owner_of


def qualify(product, code, *, verify=True, valid_from=date(2025, 1, 1), certificate_number="", **fields):
    agreement = TradeAgreement.objects.get(code=code)
    if agreement.proof == TradeAgreement.Proof.CERTIFICATE and not certificate_number:
        certificate_number = f"{code}-CO-{product.pk}"
    qualification = origin_qualification_declare(
        actor=owner_of(product.company),
        product=product,
        agreement=agreement,
        criterion=fields.pop("criterion", "tariff_shift"),
        declaration=fields.pop("declaration", "Hanji and oak from Korea; CTH from paper pulp."),
        supporting_document=SimpleUploadedFile("bom.pdf", b"%PDF-1.4 bill of materials", "application/pdf"),
        valid_from=valid_from,
        certificate_number=certificate_number,
        **fields,
    )
    if verify:
        qualification = origin_qualification_verify(actor=OperatorFactory(), qualification=qualification)
    return qualification
