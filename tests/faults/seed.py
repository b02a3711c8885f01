"""The people and things of a fault test, written through the services into the database of
CLB_DATABASE_URL. Run as `python -m tests.faults.seed KIOSKS DESKS`; prints what it made as
JSON: per kiosk its login, a card and a copy; per desk a staff login, a card and two copies."""

import json
import os
import sys


def main(kiosks: int, desks: int) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clb.settings")
    django.setup()
    from datetime import date

    from django.utils import timezone

    from clb.accounts.models import User
    from clb.selfservice.models import KioskAccount
    from tests.factories import make_item, make_network, make_patron

    net = make_network()
    now = timezone.now()
    child = date(now.year - 10, 1, 1)  # youth: no fines, so every loop is the same
    made = {"kiosks": [], "desks": []}
    for n in range(kiosks):
        account = KioskAccount(login=f"zuil-{n:02d}", branch=net.a1, require_pin=False)
        account.set_password("Zeer-geheim-42")
        account.save()
        made["kiosks"].append(
            {
                "login": account.login,
                "card": make_patron(net.org_a, birth_date=child, at=now).card_number,
                "barcode": make_item(net.a1).barcode,
            }
        )
    for n in range(desks):
        User.objects.create_user(
            f"balie-{n}",
            password="geheim-wachtwoord",
            role=User.Role.DESK,
            organisation=net.org_a,
            branch=net.a1,
        )
        made["desks"].append(
            {
                "username": f"balie-{n}",
                "card": make_patron(net.org_a, birth_date=child, at=now).card_number,
                "barcodes": [make_item(net.a1).barcode for _ in range(2)],
            }
        )
    return made


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]))))
