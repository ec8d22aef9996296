"""`python manage.py settle [--period YYYY-MM]`: the settlement run the beat schedule starts on the
2nd of each month, by hand, with a progress bar. Rerunning it settles and pays nothing twice."""

from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from listings.management.commands.import_products import ProgressBar
from marketplace.services.fee_accrual import fees_accrue
from marketplace.services.settlement import settlement_run
from marketplace.services.statements import previous_period


class Command(BaseCommand):
    help = "Charges logistics fees not yet charged, then settles a month: statements and payouts per company."

    def add_arguments(self, parser):
        parser.add_argument("--period", help="YYYY-MM; default: last month.")
        parser.add_argument("--no-accrue", action="store_true", help="Skip charging new logistics fees first.")

    def handle(self, *args, period: str | None, no_accrue: bool, **options):
        period = period or previous_period()
        if not no_accrue:
            charged = fees_accrue()
            self.stdout.write(f"Fees charged: {charged or 'none new'}")
        bar = ProgressBar(self.stdout, None)
        try:
            counts = settlement_run(period=period, progress=bar.update)
        except ApplicationError as error:
            raise CommandError(error.detail) from None
        bar.finish()
        self.stdout.write(
            f"{period}: {counts['companies']} companies, {counts['statements']} new statements, "
            f"{counts['payouts']} new payouts, {counts['transfers']} Stripe transfers, {counts['failed']} failed."
        )
