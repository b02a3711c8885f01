"""Counts below 10 are hidden; figures are provisional until their period closes, then final."""

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from clb.catalogue.models import Audience
from clb.cockpit import closing, facts
from clb.cockpit.definitions import INDICATORS
from clb.members.services import take_member_snapshot
from clb.network.models import Municipality
from clb.services import services as registration
from clb.statistics import periods
from clb.statistics.models import ClosedPeriod
from clb.statistics.periods import PeriodError
from tests.factories import T0, make_item, make_patron

from .helpers import figures, record_many, value

AMS = ZoneInfo("Europe/Amsterdam")
AFTER_H1 = datetime(2026, 7, 2, 9, tzinfo=AMS)


def test_counts_below_ten_are_suppressed_and_ten_is_shown(net):
    patron = make_patron(net.org_a, at=T0)
    item = make_item(net.a1)
    record_many(9, "checkout", at=T0, organisation=net.org_a, branch=net.a1, item=item,
                patron=patron)  # fmt: skip
    nine = figures("GM0344", "2026-H1", at=T0)
    assert nine[("loans", "")].suppressed and nine[("loans", "")].shown is None
    assert nine[("loans_per_inhabitant", "")].suppressed  # a ratio over a hidden count
    record_many(1, "checkout", at=T0, organisation=net.org_a, branch=net.a1, item=item,
                patron=patron)  # fmt: skip
    ten = figures("GM0344", "2026-H1", at=T0)
    assert not ten[("loans", "")].suppressed and ten[("loans", "")].shown == 10
    # Structural counts are not about people and are never hidden.
    assert ten[("branches_by_kind", "vestiging")].shown == 2


def test_several_hidden_parts_need_no_extra_suppression(net):
    patron = make_patron(net.org_a, at=T0)
    youth, adult = make_item(net.a1, audience=Audience.YOUTH), make_item(net.a1)
    dvd = make_item(net.a1, item_type="dvd")
    record_many(30, "checkout", at=T0, organisation=net.org_a, branch=net.a1, item=adult,
                patron=patron)  # fmt: skip
    record_many(12, "checkout", at=T0, organisation=net.org_a, branch=net.a1, item=youth,
                patron=patron)  # fmt: skip
    record_many(3, "checkout", at=T0, organisation=net.org_a, branch=net.a1, item=dvd,
                patron=patron)  # fmt: skip
    figs = figures("GM0344", "2026-H1", at=T0)
    assert figs[("loans", "")].shown == 45
    # by material: book 42 shown; dvd (3) and the empty materials are hidden — the total minus
    # the book loans gives only their sum, so nothing more needs hiding
    assert figs[("loans_by_material", "book")].shown == 42
    assert figs[("loans_by_material", "dvd")].suppressed
    assert figs[("loans_by_material", "ebook")].suppressed
    # by audience both parts are large enough
    assert figs[("loans_by_audience", "youth")].shown == 12
    assert figs[("loans_by_audience", "adult")].shown == 33


def test_secondary_suppression_when_exactly_one_part_is_small(net):
    patron = make_patron(net.org_a, at=T0)
    youth, adult = make_item(net.a1, audience=Audience.YOUTH), make_item(net.a1)
    record_many(30, "checkout", at=T0, organisation=net.org_a, branch=net.a1, item=adult,
                patron=patron)  # fmt: skip
    record_many(4, "checkout", at=T0, organisation=net.org_a, branch=net.a1, item=youth,
                patron=patron)  # fmt: skip
    figs = figures("GM0344", "2026-H1", at=T0)
    assert figs[("loans", "")].shown == 34
    # youth (4) is hidden; adult would give it away as 34 − 30, so it is hidden too
    assert figs[("loans_by_audience", "youth")].suppressed
    assert figs[("loans_by_audience", "adult")].suppressed


def test_tallies_give_exactly_the_plain_group_by_over_raw_events_and_registrations(net):
    rng = random.Random(7)
    patrons = [
        make_patron(net.org_a, at=T0, birth_date=date(1950 + 10 * i, 1, 1)) for i in range(6)
    ] + [make_patron(net.org_b, postcode="3811 AA", at=T0)]
    items = [make_item(b, audience=a, item_type=t) for b in (net.a1, net.a2, net.b1)
             for a in (Audience.YOUTH, Audience.ADULT) for t in ("boek", "dvd")]  # fmt: skip
    for _ in range(400):
        day = T0 + timedelta(days=rng.randint(-200, 100))
        item = rng.choice(items)
        action = rng.choice(["checkout", "checkout", "checkin", "renew", "hold_placed"])
        from tests.cockpit.helpers import record

        record(action, at=day, organisation=item.organisation, branch=item.home_branch,
               item=item, patron=rng.choice(patrons))  # fmt: skip
    codes = ["1h", "t23", "o2vo", "e45hvs", "8"]
    contacts = [
        registration.register_quick_contact(
            rng.choice(codes), branch=rng.choice([net.a1, net.a2, net.b1]),
            on=(T0 - timedelta(days=rng.randint(0, 200))).date(), at=T0,
        )
        for _ in range(60)
    ]  # fmt: skip
    for contact in contacts[:7]:  # corrections take their figures back out
        registration.delete_contact(contact, organisation=contact.organisation)
    activities = [
        registration.save_activity(
            organisation=net.org_a, programme=rng.choice(["digisterker", "debat", "dbos"]),
            starts_on=(T0 - timedelta(days=rng.randint(0, 200))).date(), branch=net.a1,
            sessions=rng.randint(1, 5), participants={"senioren": rng.randint(0, 20),
                                                      "kinderen": rng.randint(0, 30)}, at=T0,
        )
        for _ in range(12)
    ]  # fmt: skip
    registration.save_activity(
        organisation=net.org_a, programme="taalhuis", starts_on=date(2025, 9, 1), branch=net.a2,
        participants={"nieuwkomers": 13}, activity=activities[0], at=T0,
    )  # fmt: skip
    registration.delete_activity(activities[1], organisation=net.org_a)
    for region in ("NL", "PV26", "GM0344", "GM0307", "ORG:bibliotheek-utrecht"):
        for period in ("2025-H2", "2026-H1", "2026"):
            kept = figures(region, period, at=T0 + timedelta(days=120))
            with facts.raw_events():
                raw = figures(region, period, at=T0 + timedelta(days=120))
            assert {k: f.value for k, f in kept.items()} == {k: f.value for k, f in raw.items()}
            assert value(kept, "loans") == value(raw, "loans")
    later = T0 + timedelta(days=120)
    assert value(figures("NL", "2026", at=later), "loans") > 0
    assert (
        value(figures("NL", "2025-H2", at=later), "ido_contacts")
        + value(figures("NL", "2026-H1", at=later), "ido_contacts")
        == 53
    )
    assert value(figures("NL", "2025-H2", at=later), "participants") > 0


def test_period_codes_are_checked():
    assert periods.parse("2025-h2").code == "2025-H2"
    assert periods.parse("2025").half_years == (date(2025, 1, 1), date(2025, 7, 1))
    with pytest.raises(PeriodError) as err:
        periods.parse("2025-Q3")
    assert err.value.field == "period"
    assert [p.code for p in periods.parse("2026-H1").previous_half_years(3)] == [
        "2025-H1",
        "2025-H2",
        "2026-H1",
    ]


def test_figures_are_provisional_until_closed_then_final_and_frozen(net):
    for code in ["1"] * 12:
        registration.register_quick_contact(code, branch=net.a1, at=T0)
    before = figures("GM0344", "2026-H1", at=AFTER_H1)
    assert not before[("ido_contacts", "")].final
    with pytest.raises(PeriodError):  # a running period cannot close
        closing.close_period("2026-H1", at=T0)
    closed = closing.close_period("2026-H1", at=AFTER_H1)
    assert closed == ["2026-H1"]
    after = figures("GM0344", "2026-H1", at=AFTER_H1)
    assert after[("ido_contacts", "")].final and after[("ido_contacts", "")].value == 12
    assert all(f.final for f in after.values())
    reach = after[("ido_reach", "")].value
    # New population figures do not move a final figure…
    Municipality.objects.filter(code="GM0344").update(inhabitants=500000)
    assert figures("GM0344", "2026-H1", at=AFTER_H1)[("ido_reach", "")].value == reach
    # …but do move a provisional one.
    assert figures("GM0344", "2026-H2", at=AFTER_H1)[("ido_target", "")].value != (
        before[("ido_target", "")].value
    )
    # Registrations into a closed period are refused; the next period is open.
    with pytest.raises(PeriodError) as err:
        registration.register_quick_contact("1", branch=net.a1, on=date(2026, 5, 1), at=AFTER_H1)
    assert "afgesloten" in str(err.value)
    registration.register_quick_contact("1", branch=net.a1, at=AFTER_H1)
    with pytest.raises(PeriodError):
        closing.close_period("2026-H1", at=AFTER_H1)


def test_closing_both_halves_closes_the_year_and_its_figures_are_final(net):
    make_patron(net.org_a, at=T0)
    take_member_snapshot(on=date(2025, 12, 31))
    end_of_year = datetime(2026, 1, 5, tzinfo=AMS)
    assert closing.close_period("2025-H1", at=end_of_year) == ["2025-H1"]
    assert closing.close_period("2025-H2", at=end_of_year) == ["2025-H2", "2025"]
    assert set(ClosedPeriod.objects.values_list("code", flat=True)) == {
        "2025",
        "2025-H1",
        "2025-H2",
    }
    year = figures("NL", "2025", at=end_of_year)
    assert all(f.final for f in year.values())
    with pytest.raises(PeriodError):
        registration.record_staff_year(
            organisation=net.org_a, year=2025, staff_persons=5, staff_fte=4, at=end_of_year
        )


def test_closing_a_year_closes_its_halves(net):
    closed = closing.close_period("2025", at=datetime(2026, 1, 5, tzinfo=AMS))
    assert closed == ["2025-H1", "2025-H2", "2025"]


def test_every_indicator_formula_uses_known_names():
    from clb.cockpit import formulas
    from clb.cockpit.definitions import CONSTANTS, MEASURES

    for indicator in INDICATORS:
        for name in formulas.names(indicator.formula):
            assert name in MEASURES or name in CONSTANTS, (indicator.code, name)
        if indicator.breakdown:
            assert any(
                indicator.breakdown in MEASURES[n].breakdowns
                for n in formulas.names(indicator.formula)
                if n in MEASURES
            ), indicator.code


def test_formulas_cannot_call_anything():
    from clb.cockpit import formulas

    with pytest.raises(formulas.FormulaError):
        formulas.parse("__import__('os').system('true')")
    assert formulas.evaluate("100 * a / b", {"a": 1, "b": 0}) is None
    assert formulas.evaluate("100 * a / b", {"a": 1, "b": 4}) == 25


def test_rebuilding_tallies_from_the_raw_data_gives_the_kept_tallies(net):
    from clb.services import tallies as registration_tallies
    from clb.services.models import ActivityTally, IdoTally, ParticipantTally
    from clb.statistics import tallies
    from clb.statistics.models import PlaceTally, ResidenceTally

    patron = make_patron(net.org_a, at=T0)
    record_many(7, "checkout", at=T0, organisation=net.org_a, branch=net.a1,
                item=make_item(net.a1), patron=patron)  # fmt: skip
    for code in ["1", "t23vo", "1"]:
        registration.register_quick_contact(code, branch=net.b1, at=T0)
    gone = registration.register_quick_contact("5", branch=net.a1, at=T0)
    registration.delete_contact(gone, organisation=net.org_a)
    registration.save_activity(organisation=net.org_b, programme="debat",
                               starts_on=date(2026, 1, 9), branch=net.b1,
                               participants={"volwassenen": 31}, at=T0)  # fmt: skip
    models = [PlaceTally, ResidenceTally, IdoTally, ActivityTally, ParticipantTally]

    def contents():
        out = {}
        for model in models:
            fields = [f.attname for f in model._meta.concrete_fields if f.name != "id"]
            out[model.__name__] = sorted(
                row for row in model.objects.values_list(*fields) if any(
                    row[fields.index(c)] for c in ("n", "sessions") if c in fields
                )
            )  # fmt: skip
        return out

    kept = contents()
    tallies.rebuild(date(2026, 1, 1), date(2026, 6, 30))
    registration_tallies.rebuild(date(2026, 1, 1), date(2026, 6, 30))
    assert contents() == kept
    assert kept["IdoTally"] and kept["ParticipantTally"]
