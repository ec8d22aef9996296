"""Demo data, the Export Voucher's services: a catalogue of performing institutions with
services in all four stages (reference report, annex: "Preparation stage: ... translate data in
foreign language, ... consulting on overseas expansion strategy, educate on trade ... Beginning
stage: ... global market research, ... support for participating overseas exhibition ... Contract
stage: Check buyer's credit, ... manage export distribution ... Global expansion stage: Support to
build local branch office"), and Green Cosmetic's application to the year's Export Voucher,
approved, with a catalogue translation and an exhibition booth ordered, delivered and confirmed,
each with its 20 % co-payment (its first year); and the platform's quality mark on one of Hanji
Living's published products.

Through the services; idempotent: providers by name, services by provider and code, the
application by programme and company (its orders are placed only with it)."""

from collections import Counter
from decimal import Decimal

from core.money import Money
from listings.models import Product
from marketplace.models import PlatformMark, ProgrammeApplication, ServiceProvider, SupportService
from marketplace.services import service_orders, vouchers
from marketplace.services.marks import PLATFORM_STANDARD, platform_mark_award

CATALOGUE = [
    # provider, kind, [(code, English name, Korean name, stage, sub-group, price in KRW)]
    (
        "Hankook Translation Center",
        "translation",
        [
            (
                "catalogue-translation",
                "Catalogue translation (en, ja, zh)",
                "카탈로그 번역",
                "preparation",
                "development_manufacturing",
                2_000_000,
            ),
            (
                "website-localisation",
                "Foreign-language web page",
                "외국어 홈페이지 제작",
                "preparation",
                "development_manufacturing",
                3_500_000,
            ),
        ],
    ),
    (
        "KTR Certification Testing",
        "certification_testing",
        [
            (
                "ce-fda-testing",
                "CE and FDA testing",
                "CE·FDA 인증 시험",
                "preparation",
                "development_manufacturing",
                5_000_000,
            )
        ],
    ),
    (
        "Seoul Export Academy",
        "market_research",
        [
            (
                "export-strategy",
                "Overseas expansion strategy consulting",
                "해외 진출 전략 컨설팅",
                "preparation",
                "export_strategy",
                2_500_000,
            ),
            (
                "trade-course",
                "Trade and international marketing course",
                "무역·국제 마케팅 교육",
                "preparation",
                "education",
                600_000,
            ),
            ("market-research", "Global market research report", "해외 시장 조사", "beginning", "research", 4_000_000),
        ],
    ),
    (
        "Studio Hangang Product Photography",
        "photography",
        [
            (
                "product-photos",
                "Product photography for marketplaces",
                "제품 사진 촬영",
                "beginning",
                "promotion_marketing",
                1_200_000,
            )
        ],
    ),
    (
        "K-Expo Partners",
        "exhibition",
        [
            (
                "exhibition-booth",
                "Overseas exhibition booth",
                "해외 전시회 부스",
                "beginning",
                "conference_exhibition",
                6_000_000,
            ),
            (
                "buyer-matchmaking",
                "Business matchmaking with buyers",
                "바이어 매칭",
                "beginning",
                "business_matchmaking",
                1_500_000,
            ),
        ],
    ),
    (
        "Incheon Logistics Advisors",
        "logistics_consulting",
        [
            ("buyer-credit-check", "Buyer credit check", "바이어 신용 조사", "contract", "before_contract", 800_000),
            (
                "export-distribution",
                "Export distribution management",
                "수출 물류 관리",
                "contract",
                "after_contract",
                1_500_000,
            ),
            (
                "local-branch",
                "Local branch office set-up",
                "현지 법인 설립 지원",
                "global_expansion",
                "global_expansion",
                8_000_000,
            ),
        ],
    ),
]
APPLICANT = "green-cosmetic"
APPLICATION = {
    "amount": Decimal(10_000_000),
    "plan": "Translate our catalogue into English, Japanese and Chinese and exhibit at Cosmoprof Asia.",
    "sub_groups": ["development_manufacturing", "conference_exhibition"],
}
ORDERS = [("Hankook Translation Center", "catalogue-translation"), ("K-Expo Partners", "exhibition-booth")]


class VoucherDemo:
    def __init__(self, tally: Counter):
        self.tally = tally

    def count(self, kind: str, created: bool) -> None:
        self.tally[kind, "created" if created else "existing"] += 1

    def load(self, context: dict) -> dict:
        operator = context["operator"]
        services = {}
        for name, kind, offers in CATALOGUE:
            provider = ServiceProvider.objects.filter(name=name).first()
            self.count("service providers", provider is None)
            if provider is None:
                provider = vouchers.service_provider_create(actor=operator, name=name, kind=kind)
            for code, english, korean, stage, sub_group, price in offers:
                service = SupportService.objects.filter(provider=provider, code=code).first()
                self.count("catalogue services", service is None)
                if service is None:
                    service = vouchers.support_service_create(
                        actor=operator,
                        provider=provider,
                        code=code,
                        name_translations={"en": english, "ko": korean},
                        description={"en": f"{english}, by {name}."},
                        stage=stage,
                        sub_group=sub_group,
                        price=Money(Decimal(price), "KRW"),
                    )
                services[name, code] = service
        programme = next(p for p in context["programmes"] if p.covers_services)
        company, owner = context["companies"][APPLICANT]
        application = ProgrammeApplication.objects.filter(programme=programme, company=company).first()
        self.count("voucher applications", application is None)
        if application is None:
            application = vouchers.programme_application_submit(
                actor=owner,
                programme=programme,
                company=company,
                amount=Money(APPLICATION["amount"], programme.currency),
                plan=APPLICATION["plan"],
                sub_groups=APPLICATION["sub_groups"],
            )
            application = vouchers.programme_application_decide(
                actor=operator,
                application=application,
                approve=True,
                reasons="A clear plan for the beginning stage; documents in order.",
            )
            for key in ORDERS:
                order = service_orders.service_order_place(
                    actor=owner, voucher=application.voucher, service=services[key]
                )
                order = service_orders.service_order_deliver(actor=operator, order=order, note="Delivered to the SME.")
                service_orders.service_order_confirm(actor=owner, order=order)
                self.count("service orders", True)
        return {"voucher_application": application, "platform_mark": self.load_mark(operator)}

    def load_mark(self, operator):
        """The platform's quality mark on Hanji Living's first published product."""
        item = (
            Product.objects.filter(brand__name="Hanji Living", status=Product.Status.PUBLISHED).order_by("pk").first()
        )
        mark = PlatformMark.objects.filter(product=item).first()
        self.count("platform marks", mark is None)
        if mark is None:
            mark = platform_mark_award(
                actor=operator,
                product=item,
                results={code: {"passed": True, "note": ""} for code in PLATFORM_STANDARD},
                notes="Inspected at the Incheon hub.",
            )
        return mark
