"""Demo data, trading-company agents (the report's Global Market Developers, section II): a
trading company in Seoul acts for two SMEs under their mandates, one of them paying it a
commission on sales; its owner has changed one SME's product (an event naming the agent).
Loaded by `python manage.py load_demo` after the other parts, so their figures stay as they
were. Idempotent: the company by registration number, mandates by pair, the edit by its event."""

from collections import Counter
from decimal import Decimal

from brands import services
from brands.demo import BrandsDemo
from brands.models import Company, CompanyStaff, Mandate
from core.money import Money

AGENT = {
    "email": "owner@hanbit-trading.example",
    "owner_name": "한지호",
    "legal_name": "한빛글로벌무역 주식회사",
    "name_translations": {"ko": "한빛글로벌무역", "en": "Hanbit Global Trading Co., Ltd."},
    "registration_number": "105-86-40217",
}
# (SME slug, scopes, commission share)
MANDATES = [
    ("jeonju-hanji", ["listings", "quotes", "shipments", "statements"], Decimal("0.0500")),
    ("halla-tea", ["listings", "quotes"], Decimal("0")),
]


class AgentsDemo:
    def __init__(self, tally: Counter):
        self.tally = tally

    def count(self, kind: str, created: bool) -> None:
        self.tally[kind, "created" if created else "existing"] += 1

    def load(self, context: dict) -> dict:
        agent, agent_owner = self.load_agent(context["operator"])
        mandates = [
            self.load_mandate(*context["companies"][slug], agent, agent_owner, scopes, share)
            for slug, scopes, share in MANDATES
        ]
        return {"agent": agent, "agent_owner": agent_owner, "mandates": mandates}

    def load_agent(self, operator) -> tuple[Company, object]:
        owner = BrandsDemo(self.tally).load_user(AGENT["email"], AGENT["owner_name"])
        agent = Company.objects.filter(country="KR", registration_number=AGENT["registration_number"]).first()
        self.count("trading companies", agent is None)
        if agent is None:
            agent = services.company_create(
                actor=owner,
                kind=Company.Kind.TRADING_COMPANY,
                annual_sales=Money(Decimal("9500000000"), "KRW"),
                legal_name=AGENT["legal_name"],
                name_translations=AGENT["name_translations"],
                registration_number=AGENT["registration_number"],
                country="KR",
                sector="wholesale_retail",
                employees=35,
                export_stage=Company.ExportStage.GLOBAL_EXPANSION,
            )
        elif not CompanyStaff.objects.filter(company=agent, user=owner, role=CompanyStaff.Role.OWNER).exists():
            services.company_staff_set(company=agent, actor=operator, email=owner.email, role=CompanyStaff.Role.OWNER)
        return agent, owner

    def load_mandate(self, sme, sme_owner, agent, agent_owner, scopes, share) -> Mandate:
        mandate = Mandate.objects.filter(company=sme, agent=agent, status__in=Mandate.LIVE_STATUSES).first()
        self.count("mandates", mandate is None)
        if mandate is None:
            mandate = services.mandate_grant(
                actor=sme_owner,
                company=sme,
                agent=agent,
                scopes=scopes,
                commission_rate=share,
                note="Export management until our first shipments abroad.",
            )
        if mandate.status == Mandate.Status.OFFERED:
            mandate = services.mandate_accept(mandate=mandate, actor=agent_owner)
        return mandate
