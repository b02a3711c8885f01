import pytest
from django.core.exceptions import ValidationError

from clb.network import isil
from clb.network.branches import import_branches
from clb.network.models import Branch, Organisation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["NL-0123456789", "nl-HaKB", "DE-101", "NL-a/b:c-1"])
def test_valid_isils_are_kept_with_their_prefix_in_capitals(value):
    assert isil.check(value).split("-")[0] == value.split("-")[0].upper()


@pytest.mark.parametrize(
    "value", ["", "NL", "NL-", "NL-123456789012", "NL 123", "NL-ab cd", "12-34"]
)
def test_malformed_isils_are_refused_in_dutch(value):
    with pytest.raises(ValidationError, match="geen ISIL"):
        isil.check(value)


def test_a_dutch_library_needs_an_nl_isil(net):
    net.org_a.isil = "DE-101"
    with pytest.raises(ValidationError, match="NL-"):
        net.org_a.full_clean()


def test_an_isil_is_unique_across_organisations_and_branches_whatever_the_case(net):
    net.org_a.isil = "NL-1000"
    net.org_a.full_clean()
    net.org_a.save()
    net.a1.isil = "nl-1000"
    with pytest.raises(ValidationError, match="al in gebruik"):
        net.a1.full_clean()
    net.a1.isil = ""
    net.a1.full_clean()  # empty is allowed (not known yet) and stored as NULL
    assert net.a1.isil is None


def test_load_branches_takes_isils_and_reports_bad_ones_per_row(net):
    base = dict(organisation_code="bibliotheek-utrecht", municipality_code="GM0344")
    report = import_branches(
        [
            dict(
                base, code="utr-lombok", name="Lombok", isil="NL-1001", organisation_isil="NL-1000"
            ),
            dict(base, code="utr-x", name="X", isil="NL 1002"),
            dict(base, code="utr-y", name="Y", isil="NL-1001"),
        ]
    )
    assert report.created == 1
    assert [e.split(")")[0] for e in report.errors] == ["regel 3 (utr-x", "regel 4 (utr-y"]
    assert "isil" in report.errors[0] and "al in gebruik" in report.errors[1]
    assert Branch.objects.get(code="utr-lombok").isil == "NL-1001"
    assert Organisation.objects.get(code="bibliotheek-utrecht").isil == "NL-1000"
