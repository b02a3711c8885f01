"""A migration started from the admin: an organisation administrator picks a package of their
own organisation, sees its progress and result, opens the report and undoes it after a
confirmation; another organisation sees none of it."""

import threading

import pytest

from clb.accounts.models import User
from clb.accounts.roles import ensure_groups
from clb.members.models import Patron
from clb.migration import services
from clb.migration.models import MigrationRun
from tests.web.conftest import page

from .koha import write_koha_package

# the run works in a thread of its own, with its own database connection
pytestmark = pytest.mark.django_db(transaction=True)
RUNS = "/admin/migration/migrationrun/"


@pytest.fixture
def folders(settings, tmp_path, net):
    settings.CLB_MIGRATION_DIR = tmp_path / "pakketten"
    settings.DATA_DIR = tmp_path / "data"
    write_koha_package(tmp_path / "pakketten" / net.org_a.code / "koha-export", net)
    write_koha_package(tmp_path / "pakketten" / net.org_b.code / "eemland", net)
    return tmp_path


def org_admin(client, org, name):
    user = User.objects.create_user(name, password="x", is_staff=True,
                                    role=User.Role.ORG_ADMIN, organisation=org)  # fmt: skip
    user.groups.add(ensure_groups())
    client.force_login(user)
    return user


def finish(response) -> MigrationRun:
    """The run the admin started, once its thread is done."""
    assert response.status_code == 302, page(response)
    run = MigrationRun.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-2]))
    for thread in threading.enumerate():
        if thread.name == f"migratie-{run.pk}":
            thread.join(timeout=120)
    run.refresh_from_db()
    return run


def test_rehearse_migrate_and_undo_from_the_admin(net, client, folders):
    user = org_admin(client, net.org_a, "beheer-a")
    html = page(client.get(RUNS + "add/"))
    assert f"{net.org_a.code}/koha-export" in html and "eemland" not in html
    # another organisation's package is not on offer
    response = client.post(RUNS + "add/", {"package": f"{net.org_b.code}/eemland"})
    assert response.status_code == 200 and "geen beschikbare keuze" in page(response)

    dry = finish(client.post(RUNS + "add/", {"package": f"{net.org_a.code}/koha-export",
                                             "dry_run": "on"}))  # fmt: skip
    assert (dry.status, dry.started_by, dry.dry_run) == ("rehearsed", user, True)
    assert not Patron.objects.exists()
    html = page(client.get(RUNS + f"{dry.pk}/change/"))
    assert "proefrun klaar" in html and 'http-equiv="refresh"' not in html
    assert "patrons.csv" in html and "samenvatting.html" in html
    summary = client.get(RUNS + f"{dry.pk}/rapport/samenvatting.html")
    assert summary.status_code == 200 and b"Proefrun" in b"".join(summary.streaming_content)
    refused = client.get(RUNS + f"{dry.pk}/rapport/problemen.csv")
    assert "attachment" in refused["Content-Disposition"]
    only_the_report = client.get(RUNS + f"{dry.pk}/rapport/voortgang.json")
    assert only_the_report.status_code == 404
    assert client.get(RUNS + "abc/change/").status_code == 404

    real = finish(client.post(RUNS + "add/", {"package": f"{net.org_a.code}/koha-export"}))
    assert real.status == "done" and Patron.objects.count() == 5
    listing = page(client.get(RUNS))
    assert "proefrun" in listing and "migratie" in listing

    confirm = page(client.get(RUNS + f"{real.pk}/ongedaan-maken/"))
    assert "Ja, ongedaan maken" in confirm and "lid: 5" in confirm
    assert Patron.objects.count() == 5  # asking is not doing
    client.post(RUNS + f"{real.pk}/ongedaan-maken/")
    real.refresh_from_db()
    assert real.status == "undone" and not Patron.objects.exists()

    # the other organisation's administrator sees none of it
    org_admin(client, net.org_b, "beheer-b")
    assert real.organisation.code not in page(client.get(RUNS))
    assert client.get(RUNS + f"{real.pk}/change/").status_code == 404
    assert client.get(RUNS + f"{dry.pk}/rapport/rijen.csv").status_code == 404
    assert client.post(RUNS + f"{dry.pk}/ongedaan-maken/").status_code == 404


def test_the_progress_page_shows_each_stage_and_refreshes_while_running(net, client, folders):
    org_admin(client, net.org_a, "beheer-a")
    run = services.start(net.org_a, folders / "pakketten" / net.org_a.code / "koha-export")
    tell = services.ProgressFile(services.report_folder(run))
    tell("titels", 3, 3)
    tell("leden", 50, 120)
    html = page(client.get(RUNS + f"{run.pk}/change/"))
    assert 'http-equiv="refresh"' in html and "bezig" in html
    assert '<progress max="120" value="50">' in html and "50 / 120" in html
    assert '<progress max="3" value="3">' in html
    assert "ongedaan maken" not in html.lower()  # not while it runs
