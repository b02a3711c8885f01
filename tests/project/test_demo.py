"""A small demo run: real organisations and locations, generated members, circulation through services."""

import io
from datetime import date

import pytest
from django.core.management import call_command

from clb import demo
from clb.circulation.models import Loan
from clb.members.models import Patron
from clb.network.models import Branch, Organisation
from clb.statistics.models import CirculationEvent

pytestmark = pytest.mark.django_db


def test_demo_loads_through_the_services():
    call_command("load_reference", stdout=io.StringIO())
    summary = demo.load_demo(
        members_per_org=6,
        records=60,
        copies_per_org=40,
        days=45,
        today=date(2026, 6, 1),
        progress=lambda _m: None,
    )
    assert summary.organisations == 5 and summary.patrons == 30
    den_haag = Organisation.objects.get(code="bibliotheek-den-haag")
    assert den_haag.branches.count() == 13  # the real locations in 's-Gravenhage
    assert not Branch.objects.filter(organisation=den_haag, is_demo=True).exists()
    assert summary.loans > 0 and Loan.objects.count() == summary.loans
    # Every checkout left its anonymous trace, and the cockpit data holds no patron.
    assert CirculationEvent.objects.filter(action="checkout").count() == summary.loans
    assert {"0-3", "4-8", "9-14", "20-64"} & set(
        CirculationEvent.objects.values_list("age_band", flat=True)
    )
    # Only opted-in patrons keep returned loans linked (or a fine still open).
    linked = Loan.objects.filter(returned_at__isnull=False, patron__isnull=False)
    assert all(loan.patron.keep_history or loan.fees.exists() for loan in linked)
    assert Patron.objects.count() == 30
    out = io.StringIO()
    call_command("load_demo", "--if-empty", stdout=out)
    assert "overgeslagen" in out.getvalue()
