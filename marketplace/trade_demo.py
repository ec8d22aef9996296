"""Demo data, trade desk part: a verified buyer company in Berlin posts an RFQ for hanji lamps;
two SMEs of Hanji Living answer with competing quotes of their own, the brand's lead company
answers with one brand quote drawing on both, and the buyer accepts the brand quote on
bank-transfer terms, so one order holds a line per SME. A second buyer asks about a product in
an inquiry thread, answered with a PDF spec sheet. Loaded by `python manage.py load_demo` after
the logistics part (whose stock the order reserves). Idempotent: the buyer company is found by
name, the RFQ by title, the thread by subject; an existing RFQ is left as it is."""

from collections import Counter
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.utils import timezone

from brands.models import Brand
from core.models import User
from listings.models import Product
from marketplace.models import RFQ, BuyerCompany, InquiryThread
from marketplace.services.inquiries import inquiry_create, inquiry_message_add
from marketplace.services.quotes import QuoteLineSpec, brand_quote_create, quote_create
from marketplace.services.trade import buyer_company_create, buyer_company_verify, rfq_create
from marketplace.services.trade_orders import quote_accept

BUYER_COMPANY = "Berliner Papierhaus GmbH"
RFQ_TITLE = "Hanji table lamps for our winter collection"
INQUIRY_SUBJECT = "Private label and carton size"
BERLIN = {
    "name": "Berliner Papierhaus GmbH, Wareneingang",
    "lines": ["Oranienstraße 25"],
    "city": "Berlin",
    "postal_code": "10999",
    "country": "DE",
}
SPEC_SHEET = b"%PDF-1.4\n% Hanji lamp spec sheet (demo)\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


class TradeDemo:
    def __init__(self, tally: Counter):
        self.tally = tally

    def count(self, kind: str, created: bool) -> None:
        self.tally[kind, "created" if created else "existing"] += 1

    def load(self, context: dict) -> dict:
        operator: User = context["operator"]
        emma, lucas = context["buyers"][:2]
        company = self.load_buyer_company(emma, operator)
        brand = Brand.objects.get(slug="hanji-living")
        rfq = self.load_rfq(company, emma, brand)
        thread = self.load_inquiry(lucas, brand)
        return {"buyer_company": company, "rfq": rfq, "inquiry": thread}

    def load_buyer_company(self, user: User, operator: User) -> BuyerCompany:
        company = BuyerCompany.objects.filter(name=BUYER_COMPANY).first()
        self.count("buyer companies", company is None)
        if company is None:
            company = buyer_company_create(
                actor=user,
                name=BUYER_COMPANY,
                country="DE",
                website="https://papierhaus.example",
                profile="Stationery and home goods for 40 shops in Germany and Austria; imports from Korea and Japan.",
            )
            company = buyer_company_verify(actor=operator, buyer_company=company)
        return company

    def lamps(self, brand: Brand) -> tuple[Product, Product]:
        """The lead company's and a member's published B2B lamp (one variant each)."""
        lamps = (
            Product.objects.filter(
                brand=brand,
                status=Product.Status.PUBLISHED,
                mode__in=[Product.Mode.B2B, Product.Mode.BOTH],
                category__path="home/lighting",
            )
            .annotate(variant_count=Count("variants"))
            .filter(variant_count=1)
            .order_by("pk")
        )
        lead = lamps.filter(company=brand.lead_company).first()
        member = lamps.exclude(company=brand.lead_company).first()
        return lead, member

    def load_rfq(self, company: BuyerCompany, user: User, brand: Brand) -> RFQ:
        rfq = RFQ.objects.filter(buyer_company=company, title=RFQ_TITLE).first()
        self.count("RFQs", rfq is None)
        if rfq is not None:
            return rfq
        lead_lamp, member_lamp = self.lamps(brand)
        quantity = lead_lamp.moq + member_lamp.moq
        rfq = rfq_create(
            actor=user,
            buyer_company=company,
            title=RFQ_TITLE,
            description="Paper table lamps, warm white, E14 or integrated LED, CE marked, in retail boxes. "
            "Delivered duty paid to our Berlin warehouse.",
            category=lead_lamp.category,
            quantity=quantity,
            currency="EUR",
            destination_country="DE",
            incoterm=RFQ.Incoterm.DDP,
            deadline=timezone.now() + timedelta(days=14),
        )
        valid_until = timezone.localdate() + timedelta(days=30)

        def own(product, incoterm, note):
            multiple = product.order_multiple
            amount = max(product.moq, -(-quantity // multiple) * multiple)
            return quote_create(
                actor=product.company.staff.order_by("pk").first().user,
                rfq=rfq,
                line=QuoteLineSpec(product=product, quantity=amount),
                incoterm=incoterm,
                valid_until=valid_until,
                lead_time_days=product.lead_time_days or 21,
                note=note,
            )

        own(member_lamp, "DAP", "Hand-made in Jeonju; duties payable on arrival.")
        own(lead_lamp, "DDP", "Delivered duty paid to Berlin.")
        self.count("quotes", True)
        self.count("quotes", True)
        brand_quote = brand_quote_create(
            actor=brand.lead_company.staff.order_by("pk").first().user,
            rfq=rfq,
            brand=brand,
            lines=[
                QuoteLineSpec(product=lead_lamp, quantity=lead_lamp.moq),
                QuoteLineSpec(product=member_lamp, quantity=member_lamp.moq),
            ],
            incoterm="DDP",
            valid_until=valid_until,
            lead_time_days=25,
            note="One Hanji Living shipment from two workshops, consolidated at Incheon.",
        )
        self.count("quotes", True)
        quote_accept(actor=user, quote=brand_quote, payment_terms="bank_transfer", shipping_address=BERLIN)
        self.count("B2B orders", True)
        rfq.refresh_from_db()
        return rfq

    def load_inquiry(self, user: User, brand: Brand) -> InquiryThread:
        thread = InquiryThread.objects.filter(buyer=user, subject=INQUIRY_SUBJECT).first()
        self.count("inquiry threads", thread is None)
        if thread is not None:
            return thread
        _, member_lamp = self.lamps(brand)
        thread = inquiry_create(
            actor=user,
            product=member_lamp,
            subject=INQUIRY_SUBJECT,
            body="Could you print our logo on the box, and how many lamps go in one export carton?",
        )
        inquiry_message_add(
            actor=member_lamp.company.staff.order_by("pk").first().user,
            thread=thread,
            body="Yes, from 200 units. Eight lamps per carton; the spec sheet is attached.",
            attachment=SimpleUploadedFile("hanji-lamp-spec.pdf", SPEC_SHEET, content_type="application/pdf"),
        )
        thread.refresh_from_db()
        return thread
