from django.conf import settings
from django.core.management.base import BaseCommand

from clb.mail_settings import destination


class Command(BaseCommand):
    help = "Say where notices' e-mail goes (CLB_EMAIL_URL), without any password."

    def handle(self, *args, **options):
        self.stdout.write(destination(settings) + ".")
