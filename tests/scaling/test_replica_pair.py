"""CLB on a primary and a streaming replica, as real processes on loopback: the pages that may
be a moment stale read from the replica, a member's or desk's own change is on their very next
page (the replica's replay is paused to prove it came from the primary), and a replica that is
stopped or too far behind is passed over while /health says so."""

import json
import re
import time

import pytest

from tests.faults.site import Browser, free_port

pytestmark = [pytest.mark.postgres, pytest.mark.faults, pytest.mark.django_db]
BOUND = (
    60  # seconds a test waits for the replica to catch up or come back; it ends as soon as it does
)


def wait_until(predicate, what: str):
    give_up = time.monotonic() + BOUND
    while not predicate():
        assert time.monotonic() < give_up, f"not reached in {BOUND} s: {what}"
        time.sleep(0.05)  # polling a state, not waiting for time


def reads(browser: Browser) -> str:
    return browser.seen["X-CLB-Reads"]


def health(pair) -> dict:
    status, _, text = Browser(pair.port).request("GET", "/health")
    assert status == 200
    return json.loads(text)


def record_of(pair, barcode: str) -> int:
    return pair.sql("SELECT record_id FROM catalogue_item WHERE barcode = %s", barcode)[0][0]


def paused(pair):
    pair.replica_sql("SELECT pg_wal_replay_pause()")
    wait_until(
        lambda: pair.replica_sql("SELECT pg_get_wal_replay_pause_state()")[0][0] == "paused",
        "replay paused",
    )


def resume(pair):
    pair.replica_sql("SELECT pg_wal_replay_resume()")


def test_opac_search_and_record_pages_read_from_the_replica(pair):
    desk = pair.seed["desks"][0]
    anyone = Browser(pair.port)
    status, _, page = anyone.request("GET", "/zoeken/?q=avonden")
    assert status == 200 and "De avonden" in page
    assert reads(anyone) == "replica1"
    status, _, page = anyone.request("GET", f"/titel/{record_of(pair, desk['barcodes'][0])}/")
    assert status == 200 and "1 van 1 exemplaren nu beschikbaar" in page
    assert reads(anyone) == "replica1"
    status, _, answer = anyone.request(
        "GET", "/sru?version=1.2&operation=searchRetrieve&query=avonden&maximumRecords=1"
    )
    assert status == 200 and "De avonden" in answer  # open data, from the replica too
    assert reads(anyone) == "replica1"
    said = health(pair)
    assert [(r["name"], r["state"]) for r in said["replicas"]] == [("replica1", "up")]
    assert said["stale_reads"] == "replica"
    # The desk's own pages always read the primary.
    anyone.log_in_staff(desk["username"])
    anyone.request("GET", "/balie/")
    assert reads(anyone) == "primary"


def test_a_hold_placed_is_on_the_very_next_page(pair):
    desk = pair.seed["desks"][1]
    record = record_of(pair, desk["barcodes"][0])
    member, anyone = Browser(pair.port), Browser(pair.port)
    member.log_in_member(desk["card"])
    paused(pair)
    try:
        status, location, _ = member.request(
            "POST", f"/titel/{record}/reserveren/", {"pickup_branch": pair_branch(pair)}
        )
        assert status == 302 and location == "/mijn/", location
        status, _, page = member.request("GET", f"/titel/{record}/")
        assert status == 200 and "1 reservering." in page
        assert "0 van 1 exemplaren nu beschikbaar" in page
        assert reads(member) == "primary"  # the replica has not replayed the hold
        # Someone else still reads the paused replica, which does not know the hold yet.
        status, _, page = anyone.request("GET", f"/titel/{record}/")
        assert reads(anyone) == "replica1" and "1 reservering." not in page
    finally:
        resume(pair)
    # Once the replica has replayed past the hold, the member reads from it again.
    wait_until(
        lambda: member.request("GET", f"/titel/{record}/") and reads(member) == "replica1",
        "the member back on the replica",
    )
    assert "1 reservering." in member.request("GET", f"/titel/{record}/")[2]


def pair_branch(pair) -> int:
    return pair.sql("SELECT id FROM network_branch ORDER BY id LIMIT 1")[0][0]


def test_a_checkout_at_the_desk_is_on_the_desks_next_page(pair):
    desk = pair.seed["desks"][2]
    barcode = desk["barcodes"][0]
    browser = Browser(pair.port)
    browser.log_in_staff(desk["username"])
    status, location, _ = browser.request("POST", "/balie/", {"card_number": desk["card"]})
    assert status == 302
    patron_page = re.search(r"/balie/lener/\d+/", location).group(0)
    paused(pair)
    try:
        status, _, _ = browser.request("POST", patron_page + "uitlenen/", {"item_barcode": barcode})
        assert status == 302
        status, _, page = browser.request("GET", f"/titel/{record_of(pair, barcode)}/")
        assert "0 van 1 exemplaren nu beschikbaar" in page and "uitgeleend tot" in page
        assert reads(browser) == "primary"
    finally:
        resume(pair)
    status, _, _ = browser.request("POST", "/balie/innemen/", {"item_barcode": barcode})
    assert status == 302
    status, _, page = browser.request("GET", f"/titel/{record_of(pair, barcode)}/")
    assert "1 van 1 exemplaren nu beschikbaar" in page


def test_a_stopped_replica_leaves_the_reads_to_the_primary(pair):
    desk = pair.seed["desks"][3]
    record = record_of(pair, desk["barcodes"][1])
    anyone = Browser(pair.port)
    anyone.request("GET", "/zoeken/?q=avonden")
    assert reads(anyone) == "replica1"
    pair.replica.stop("immediate")
    try:
        status, _, page = anyone.request("GET", "/zoeken/?q=avonden")
        assert status == 200 and "De avonden" in page
        assert reads(anyone) == "primary"
        said = health(pair)
        assert said["replicas"][0]["state"] == "down" and said["stale_reads"] == "primary"
        member = Browser(pair.port)
        member.log_in_member(desk["card"])
        status, _, _ = member.request(
            "POST", f"/titel/{record}/reserveren/", {"pickup_branch": pair_branch(pair)}
        )
        assert status == 302
        assert "1 reservering." in member.request("GET", f"/titel/{record}/")[2]
    finally:
        pair.replica.start()
    wait_until(
        lambda: anyone.request("GET", "/zoeken/?q=avonden") and reads(anyone) == "replica1",
        "reads back on the replica",
    )
    assert health(pair)["stale_reads"] == "replica"


def test_the_cockpit_reads_from_the_replica_and_from_the_primary_when_it_is_stopped(pair):
    staff = Browser(pair.port)
    staff.log_in_staff(pair.seed["desks"][0]["username"])  # staff of an organisation: its cockpit
    # Logging in wrote (last login): the next pages read the primary until the replica has it.
    wait_until(
        lambda: staff.request("GET", "/cockpit/")[0] == 200 and reads(staff) == "replica1",
        "the cockpit read from the replica",
    )
    status, _, page = staff.request("GET", "/cockpit/")
    assert status == 200 and "Bibliotheek Utrecht" in page and "cockpit.js" in page
    pair.replica.stop("immediate")
    try:
        status, _, page = staff.request("GET", "/cockpit/")
        assert status == 200 and "Bibliotheek Utrecht" in page and "cockpit.js" in page
        assert reads(staff) == "primary"
    finally:
        pair.replica.start()
    wait_until(
        lambda: staff.request("GET", "/cockpit/")[0] == 200 and reads(staff) == "replica1",
        "the cockpit back on the replica",
    )


def test_a_replica_too_far_behind_serves_no_one(pair):
    anyone = Browser(pair.port)
    paused(pair)
    try:
        # Two WAL segment switches: more than 16 MiB (the default limit) not replayed.
        for _ in range(2):
            pair.sql("SELECT pg_current_xact_id()")  # a commit record: something to switch from
            pair.sql("SELECT pg_switch_wal()")
        pair.sql("SELECT pg_current_xact_id()")
        said = health(pair)
        assert said["replicas"][0]["state"] == "behind", said
        assert said["stale_reads"] == "primary"
        anyone.request("GET", "/zoeken/?q=avonden")
        assert reads(anyone) == "primary"
    finally:
        resume(pair)
    wait_until(lambda: health(pair)["stale_reads"] == "replica", "the replica caught up")


def test_a_replica_failing_in_the_middle_of_a_page_leaves_it_to_the_primary(pair):
    """The replica answers where it stands but then refuses the page's copies (a role without
    the right to read them, made on the primary and replayed): the page is made again on the
    primary instead of failing."""
    pair.sql("CREATE ROLE opac_reader LOGIN")
    pair.sql("GRANT SELECT ON ALL TABLES IN SCHEMA public TO opac_reader")
    pair.sql("REVOKE SELECT ON catalogue_item FROM opac_reader")
    wait_until(
        lambda: (
            pair.replica_sql("SELECT count(*) FROM pg_roles WHERE rolname = 'opac_reader'")
            == [(1,)]
        ),
        "the role on the replica",
    )
    port = free_port()
    url = pair.replica.url.replace(f"{pair.replica.user}@", "opac_reader@")
    web = pair.start(
        "web-reader", "serve", "--port", str(port), "--workers", "1", port=port,
        env={"CLB_DATABASE_REPLICA_URLS": url},
    )  # fmt: skip
    try:
        anyone = Browser(port)
        status, _, said = anyone.request("GET", "/health")
        assert json.loads(said)["stale_reads"] == "replica"  # it answers where it stands
        record = record_of(pair, pair.seed["desks"][0]["barcodes"][1])
        status, _, page = anyone.request("GET", f"/titel/{record}/")
        assert status == 200 and "exemplaren nu beschikbaar" in page
        assert reads(anyone) == "primary"
        assert "permission denied" not in web.output()  # not logged as a server error
    finally:
        web.stop()
