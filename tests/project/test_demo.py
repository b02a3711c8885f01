"""A small demo run: real organisations and locations, generated members, circulation through services."""

import io
from collections import Counter
from datetime import date, datetime

import pytest
from django.core.management import call_command
from django.db.models import F

from clb import demo
from clb.catalogue import search
from clb.catalogue.models import BibRecord, Item
from clb.circulation import services as circulation
from clb.circulation.models import Loan, Transit
from clb.cockpit.definitions import INDICATOR_BY_CODE
from clb.cockpit.engine import Cockpit
from clb.cockpit.regions import Geography
from clb.members.models import Patron
from clb.network.models import Branch, Organisation
from clb.operations import invariants
from clb.statistics.models import CirculationEvent, MemberCountRun
from clb.statistics.periods import parse
from tests.factories import AMS

pytestmark = pytest.mark.django_db

AT = datetime(2026, 6, 1, 9, 0, tzinfo=AMS)


def test_demo_loads_through_the_services():
    call_command("load_reference", stdout=io.StringIO())
    summary = demo.load_demo(
        members_per_org=6,
        records=60,
        copies_per_org=40,
        days=45,
        today=date(2026, 6, 1),
        progress=lambda _m: None,
        catalogue_sample=40,
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

    # A living network: the van sends and delivers transits as the weeks pass, so almost every
    # copy is on a shelf or lent out, not stuck "onderweg"; the OPAC shows copies available.
    statuses = Counter(Item.objects.values_list("status", flat=True))
    assert statuses["in_transit"] <= 0.05 * summary.items
    assert Transit.objects.filter(received_at__isnull=False).count() >= 5
    assert all(t.sent_at for t in Transit.objects.filter(received_at__isnull=False))
    assert statuses["available"] >= 0.7 * summary.items
    # Members reserve titles standing at another branch: the copy is set aside on that shelf the
    # moment the hold is placed (paging), fetched from the pull list in the next morning's round
    # and brought to the pickup branch. Only those set aside on the last working day (Saturday
    # 30 May; closed on Sunday) still wait on a pull list.
    paged = Transit.objects.filter(hold__isnull=False, created_at=F("hold__placed_at"))
    assert paged.filter(received_at__isnull=False).count() >= 1
    waiting = [h for b in Branch.objects.all() for h in circulation.pull_list(b)]
    assert all(h.captured_at.date() == date(2026, 5, 30) for h in waiting), waiting
    # Whatever the year's traffic did, what must hold in the data holds (`clb invariants`).
    assert invariants.check() == []
    # The member count was taken every day, so the cockpit's member figures are filled.
    assert MemberCountRun.objects.count() == 45
    geo = Geography()
    den_haag_region = geo.region("ORG:bibliotheek-den-haag")
    members = Cockpit([den_haag_region], [parse("2026-H1")], geo=geo, at=AT).figure(
        INDICATOR_BY_CODE["members"], den_haag_region, parse("2026-H1")
    )
    assert members.value == 6
    # Dutch titles of the DBNL, LoC and UVA records with ISBNs and years came in through the
    # importer (the first 40 of each staged file, for speed).
    assert BibRecord.objects.filter(language="dut", raw_marc__contains="DBNL").count() >= 38
    assert BibRecord.objects.exclude(isbn="").count() >= 20
    assert len(search.search("", per_page=1).facets["decade"]) >= 10
    out = io.StringIO()
    call_command("load_demo", "--if-empty", stdout=out)
    assert "overgeslagen" in out.getvalue()
