"""A run stopped halfway (Ctrl-C, a lost connection) leaves nothing half-written: what came in,
came in whole with its id map, and the next run brings in the rest, ending where one
uninterrupted run ends; both runs can be undone."""

import pytest

from clb.catalogue.models import BibRecord, Item
from clb.circulation.models import Hold, Loan
from clb.members.models import LedgerLine, Patron
from clb.migration import services
from clb.migration.models import IdMapEntry
from clb.operations import invariants
from tests.factories import T0

from .koha import write_koha_package

pytestmark = pytest.mark.django_db


class Stop(KeyboardInterrupt):
    pass


def state():
    """Everything the package brings in, without database ids."""
    return (
        sorted(Item.objects.values_list("barcode", "status", "home_branch__code", "call_number")),
        sorted(Loan.objects.values_list("item__barcode", "patron__card_number", "due_at",
                                        "renewals")),
        sorted(Hold.objects.values_list("patron__card_number", "record__title", "status",
                                        "captured_item__barcode", "placed_at", "expires_at")),
        sorted(LedgerLine.objects.values_list("patron__card_number", "kind", "amount",
                                              "item__barcode")),
        sorted(Patron.objects.values_list("card_number", "blocked", "block_reason",
                                          "guardian_name", "memberships__subscription_type__code")),
        BibRecord.objects.count(),
    )  # fmt: skip


def run(folder, org, stop_at=None):
    def progress(stage, done, total):
        if stage == stop_at and done >= min(2, total):
            raise Stop

    return services.migrate(services.start(org, folder), progress=progress, at=T0)


@pytest.mark.parametrize(
    "stage", ["titels", "exemplaarstatus", "leden", "financiën", "uitleningen", "reserveringen"]
)
def test_a_run_stopped_in_any_stage_is_finished_by_the_next(net, tmp_path, stage):
    folder = write_koha_package(tmp_path / "koha", net)
    whole = run(folder, net.org_a)
    expected = state()
    assert services.undo(whole).status == "undone"
    assert not Patron.objects.exists() and not BibRecord.objects.exists()

    with pytest.raises(Stop):
        run(folder, net.org_a, stop_at=stage)
    stopped = IdMapEntry.objects.order_by("-run_id").first().run
    assert stopped.status == "failed" and "Stop" in stopped.message
    assert invariants.check() == []  # what came in came in whole
    again = run(folder, net.org_a)
    assert again.status == "done"
    assert state() == expected and invariants.check() == []
    assert services.undo(again).status == "undone"
    assert services.undo(stopped).status == "undone", stopped.undo_report
    assert not Patron.objects.exists() and not Item.objects.exists()
