"""Lending only where the copy is (issue 12, item 4): a checkout of a copy whose current branch
is not the checkout branch is refused — another organisation's copy on its own shelf, or one of
the own organisation at another branch. Returning a copy anywhere stays allowed."""

from datetime import date, timedelta

import pytest

from clb.catalogue.models import ItemStatus
from clb.circulation import services as circ
from clb.circulation.errors import CirculationError
from clb.circulation.models import Loan
from tests.factories import T0, make_item, make_patron

pytestmark = pytest.mark.django_db
CHILD = date(2014, 6, 1)


@pytest.mark.parametrize("where", ["b1", "a2"])
def test_a_copy_elsewhere_is_not_lent_here(net, where):
    patron = make_patron(net.org_a, birth_date=CHILD)
    item = make_item(getattr(net, where))
    with pytest.raises(CirculationError) as err:
        circ.checkout(
            item_barcode=item.barcode, card_number=patron.card_number, branch=net.a1, at=T0
        )
    assert err.value.code == "not_here" and err.value.field == "item_barcode"
    assert getattr(net, where).name in str(err.value)
    assert not Loan.objects.exists()
    item.refresh_from_db()
    assert item.status == ItemStatus.AVAILABLE


def test_a_foreign_copy_returned_here_may_be_lent_here_once_checked_in(net):
    """Returning anywhere is allowed; the return puts the copy here (in transit home), and it
    then travels; a copy of a floating type stays and may be lent where it now stands."""
    from clb.catalogue.models import ItemType

    net.org_b.floating_item_types.add(ItemType.objects.get(code="boek"))
    reader, next_reader = (
        make_patron(net.org_a, birth_date=CHILD),
        make_patron(net.org_a, birth_date=CHILD),
    )
    item = make_item(net.b1)
    circ.checkout(item_barcode=item.barcode, card_number=reader.card_number, branch=net.b1, at=T0)
    back = circ.checkin(item_barcode=item.barcode, branch=net.a1, at=T0 + timedelta(days=3))
    assert back.routing.kind == "shelf"  # floats: stays at a1
    lent = circ.checkout(
        item_barcode=item.barcode,
        card_number=next_reader.card_number,
        branch=net.a1,
        at=T0 + timedelta(days=4),
    )
    assert lent.loan.branch == net.a1
