"""`python manage.py load_demo`: the demo platform, each app's part in import order, in one
transaction, through the services. A second run changes nothing."""

from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from brands.agents_demo import AgentsDemo
from brands.demo import PASSWORD, BrandsDemo
from core.errors import ApplicationError
from integrations.demo import IntegrationsDemo
from listings.demo.loader import ListingsDemo
from logistics.demo import LogisticsDemo
from marketplace.matchmaking_demo import MatchmakingDemo
from marketplace.promotions_demo import PromotionsDemo
from marketplace.settlement_demo import SettlementDemo
from marketplace.storefront_demo import StorefrontDemo
from marketplace.terms_demo import TermsDemo
from marketplace.trade_demo import TradeDemo
from marketplace.voucher_demo import VoucherDemo

PARTS = [BrandsDemo, ListingsDemo, LogisticsDemo]
PARTS.append(TradeDemo)  # the B2B trade desk
PARTS.append(TermsDemo)  # B2B price lists and net terms
PARTS.append(StorefrontDemo)  # this month's consumer orders
PARTS.append(SettlementDemo)
PARTS.append(PromotionsDemo)  # a live discount code, free shipping, an address book
PARTS.append(VoucherDemo)  # the Export Voucher's service catalogue and one SME's use of it
PARTS.append(IntegrationsDemo)  # syndication to the five simulated channels
PARTS.append(AgentsDemo)  # a trading company acting for two SMEs (after the rest: their figures stay)
PARTS.append(MatchmakingDemo)  # buyer directory, a proposal, a conference with scheduled meetings


class Command(BaseCommand):
    help = "Loads the demo platform (users, companies, brands, ...); a second run changes nothing."

    def handle(self, *args, **options):
        tally: Counter = Counter()
        context: dict = {}
        try:
            with transaction.atomic():
                for part in PARTS:
                    context.update(part(tally).load(context))
        except ApplicationError as error:
            reasons = "".join(f"\n  - {message}" for _, message in error.reasons)
            raise CommandError(f"{error.detail}{reasons}") from error
        kinds = sorted({kind for kind, _ in tally})
        for kind in kinds:
            self.stdout.write(f"{kind:>20}: {tally[kind, 'created']} created, {tally[kind, 'existing']} already there")
        created = sum(tally[kind, "created"] for kind in kinds)
        style = self.style.SUCCESS if created else self.style.NOTICE
        self.stdout.write(style("Demo data loaded." if created else "Demo data was already loaded; nothing changed."))
        self.stdout.write(f"Every demo user's password is {PASSWORD!r}.")
