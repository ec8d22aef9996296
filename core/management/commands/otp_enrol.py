"""Enrols (or re-enrols, replacing the old one) an operator's TOTP device and prints the secret
to type or scan into an authenticator app, and ten recovery codes (docs/operator-guide.md)."""

from django.core.management.base import BaseCommand, CommandError

from core.accounts import operator_otp_enrol
from core.errors import NotPermitted
from core.models import User


class Command(BaseCommand):
    help = "Enrol an operator's authenticator app (TOTP) and print new recovery codes."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        user = User.objects.filter(email=email.lower(), is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {email}.")
        try:
            device, codes = operator_otp_enrol(user=user)
        except NotPermitted as error:
            raise CommandError(error.detail) from None
        secret = device.config_url.split("secret=")[1].split("&")[0]
        self.stdout.write(f"Authenticator URI (scan or paste): {device.config_url}")
        self.stdout.write(f"Secret (base32, to type in): {secret}")
        self.stdout.write("Recovery codes, each usable once (store them offline):")
        for code in codes:
            self.stdout.write(f"  {code}")
