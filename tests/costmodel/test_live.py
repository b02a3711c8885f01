"""Current levels from CLB's live data: branches and staffed hours, collection, members, loans,
IDO contacts, courses and activities, produced through the real services."""

from datetime import timedelta
from decimal import Decimal

import pytest

from clb.catalogue.models import ItemStatus
from clb.circulation import services as circulation
from clb.costmodel import live, presentation, services
from clb.network.models import Municipality
from clb.services import services as registration
from tests.factories import T0, make_item, make_patron

D = Decimal


@pytest.fixture
def lively(net):
    """Utrecht: three members living there, four items (one withdrawn), two loans this year and
    one 400 days ago, three IDO contacts, a Digisterker course with 7 participants and a lecture.
    Utrecht is made a town of 20,000, for which its two registered libraries are a complete
    register (the real city would expect about 25: then today's branches are unknown)."""
    Municipality.objects.filter(pk=net.gm_a.pk).update(inhabitants=20000)
    utrecht = [make_patron(net.org_a, postcode="3511 AB", at=T0) for _ in range(3)]
    long_ago = T0 - timedelta(days=400)
    visitor = make_patron(net.org_a, postcode="3811 AA", at=long_ago)  # lives in Amersfoort
    items = [make_item(net.a1) for _ in range(4)]
    items[3].status = ItemStatus.WITHDRAWN
    items[3].save()
    circulation.checkout(
        item_barcode=items[0].barcode, card_number=visitor.card_number, branch=net.a1, at=long_ago
    )
    circulation.checkin(
        item_barcode=items[0].barcode, branch=net.a1, at=long_ago + timedelta(days=3)
    )
    for item, patron in zip(items[:2], utrecht, strict=False):
        circulation.checkout(
            item_barcode=item.barcode, card_number=patron.card_number, branch=net.a1, at=T0
        )
    for _ in range(3):
        registration.register_contact(branch=net.a2, channel="balie", themes=["digid"], at=T0)
    registration.save_activity(
        organisation=net.org_a, programme="digisterker", starts_on=T0.date(), sessions=4,
        branch=net.a1, participants={"volwassenen": 7}, at=T0,
    )  # fmt: skip
    registration.save_activity(
        organisation=net.org_a, programme="lezing", starts_on=T0.date(), branch=net.a1,
        participants={"volwassenen": 40}, at=T0,
    )  # fmt: skip
    return net


def test_live_figures_per_municipality(lively):
    net = lively
    figures, notes = live.figures([net.gm_a, net.gm_b], days=365, at=T0)
    utrecht, amersfoort = figures[net.gm_a.pk], figures[net.gm_b.pk]
    assert notes == []  # the registration room is there
    assert utrecht == {
        "vestigingen_nu": 2,  # Centrale Bibliotheek (60 h) and Overvecht (20 h)
        "bemande_uren_vestigingen_nu": 80,
        "servicepunten_nu": 0,
        "bemande_uren_servicepunten_nu": 0,
        "collectie_nu": 3,  # the withdrawn item does not count
        "leden_nu": 3,  # members living in Utrecht; the visitor lives in Amersfoort
        "uitleningen_12m": 2,  # the loan of 400 days ago is outside the window
        "ido_contacten_12m": 3,
        "cursussen_12m": 1,
        "cursisten_12m": 7,
        "activiteiten_12m": 1,
    }
    assert amersfoort["vestigingen_nu"] == 1 and amersfoort["bemande_uren_vestigingen_nu"] == 50
    assert amersfoort["uitleningen_12m"] == 0 and amersfoort["collectie_nu"] == 0
    both = live.combine([utrecht, amersfoort])
    assert both["vestigingen_nu"] == 3 and both["bemande_uren_vestigingen_nu"] == 130


def test_current_levels_follow_live_data(lively):
    r = services.compute(services.resolve_area(["GM0344"]), at=T0)
    assert r.levels["vestigingen"] == "huidig" and r.values["vestigingen"] == 2
    assert r.levels["openingsuren"] == "huidig" and r.values["uren_per_week"] == 40  # 80 h / 2
    assert r.levels["collectie"] == "huidig" and r.values["collectie"] == 3
    assert r.levels["ido"] == "huidig"
    assert r.levels["digitale_vaardigheden"] == "huidig" and r.values["cursussen"] == 1
    assert r.levels["activiteiten"] == "huidig" and r.values["activiteiten"] == 1
    assert r.levels["boekstart"] == "geen"  # CLB does not register this as a level
    p = r.parameters
    hours = r.block("openingsuren").lines[0]
    assert hours.quantity == 2 * 40 * p["weken_per_jaar"] * p["bezetting_per_bemand_uur"]
    ido = next(ln for ln in r.block("ido").lines if ln.kind == "personeel")
    assert ido.quantity == 3 / p["ido_contacten_per_uur"]
    assert r.yields["ido_contacten"].value == 3 and r.yields["uitleningen"].value == 2
    assert r.yields["cursisten"].value == 7


def test_small_counts_of_people_are_not_shown(lively):
    r = services.compute(services.resolve_area(["GM0344"]), at=T0)
    shown = {name: value for name, value, _unit, _src in presentation.live_rows(r)}
    assert shown["leden die in het gebied wonen"] == "< 10"
    assert shown["uitleningen, laatste 12 maanden"] == "< 10"
    assert shown["open vestigingen in CLB"] == 2  # institutions, not people
    assert shown["collectie in CLB"] == 3
    rows = {row.block.code: row for row in presentation.block_rows(r.model, r.levels, r, r.values)}
    assert ("IDO-contacten per jaar", "< 10", "contacten") in rows["ido"].yields
    # A model estimate is no count of people and is shown as computed.
    estimate = services.compute(services.resolve_area(["GM0344"]), {"ido": "basis"}, at=T0)
    rows = presentation.block_rows(estimate.model, estimate.levels, estimate, estimate.values)
    ido = next(row for row in rows if row.block.code == "ido")
    assert all(not isinstance(value, str) for _n, value, _u in ido.yields)
