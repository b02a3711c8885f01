"""The real reference data loads completely, correctly and idempotently."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Sum

from clb.network.models import Branch, BranchKind, Municipality, PostcodeArea, Province

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        out = io.StringIO()
        call_command("load_reference", stdout=out)
        yield out.getvalue()
        # module-scoped data: clean up after ourselves for the tests that follow
        from clb.network.models import Organisation

        Branch.objects.all().delete()
        Organisation.objects.all().delete()
        PostcodeArea.objects.all().delete()
        Municipality.objects.all().delete()
        Province.objects.all().delete()


def test_all_municipalities_with_cbs_totals(loaded):
    assert Province.objects.count() == 12
    assert Municipality.objects.count() == 342
    assert Municipality.objects.aggregate(s=Sum("inhabitants"))["s"] == 17_942_942
    groningen = Municipality.objects.get(code="GM0014")
    assert groningen.inhabitants == 243_768 and groningen.province.code == "PV20"
    assert 53.1 < groningen.centroid_lat < 53.3 and 6.4 < groningen.centroid_lon < 6.8


def test_postcode_areas_assigned_and_youth_estimated(loaded):
    assert PostcodeArea.objects.count() == 4067
    assert not PostcodeArea.objects.filter(municipality__isnull=True).exists()
    assert PostcodeArea.objects.get(pc4="1011").municipality.code == "GM0363"  # Amsterdam centre
    assert PostcodeArea.objects.get(pc4="9711").municipality.code == "GM0014"  # Groningen centre
    youth = Municipality.objects.aggregate(s=Sum("inhabitants_0_17"))["s"]
    assert 3_200_000 < youth < 3_600_000  # CBS: about 3.4 million under 18 in 2024
    assert all(Municipality.objects.values_list("inhabitants_0_17_estimated", flat=True))


def test_real_library_locations_loaded_honestly(loaded):
    real = Branch.objects.filter(source__contains="stembureau")
    assert real.count() == 78
    assert set(real.values_list("kind", flat=True)) == {BranchKind.UNKNOWN}
    assert not real.filter(is_demo=True).exists()


def test_loading_twice_changes_nothing(loaded):
    before = (Municipality.objects.count(), PostcodeArea.objects.count(), Branch.objects.count())
    out = io.StringIO()
    call_command("load_reference", stdout=out)
    assert "aangemaakt 0, bijgewerkt 78" in out.getvalue()
    assert (
        Municipality.objects.count(),
        PostcodeArea.objects.count(),
        Branch.objects.count(),
    ) == before
