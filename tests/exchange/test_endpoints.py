"""What every protocol endpoint shares: per-address rate limits answered in the protocol's own
form, a log line per request without secrets, and oversized requests refused."""

import logging

import pytest
from lxml import etree

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight(settings):
    settings.CLB_EXCHANGE_RATE_LIMITS = {"sru": 2, "oai": 2, "ncip": 2}
    # One window for the whole test: the real clock must not roll into a fresh one mid-test.
    settings.CLB_EXCHANGE_RATE_WINDOW = 10**9


def test_rate_limits_per_address_in_each_protocols_form(client, shelf, tight):
    for _ in range(2):
        assert client.get("/sru", {"query": "x"}).status_code == 200
    refused = client.get("/sru", {"query": "x"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert b"info:srw/diagnostic/1/2" in refused.content
    other = client.get("/sru", {"query": "x"}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200  # another address has its own count
    for _ in range(2):
        client.get("/oai", {"verb": "Identify"})
    refused = client.get("/oai", {"verb": "Identify"})
    assert refused.status_code == 503 and refused["Retry-After"]  # OAI-PMH's flow control
    assert etree.fromstring(refused.content).tag.endswith("OAI-PMH")
    for _ in range(2):
        client.post("/ncip", b"<x/>", content_type="application/xml")
    refused = client.post("/ncip", b"<x/>", content_type="application/xml")
    assert refused.status_code == 429 and b"Temporary Processing Failure" in refused.content


def test_behind_a_trusted_proxy_each_client_has_its_own_count(
    client, shelf, tight, settings, caplog
):
    """Behind a reverse proxy every request comes from the proxy: counted by that address, one
    harvester would use up everybody's limit. The client behind a named proxy counts (issue 12
    item 8's rule, clb.proxies); a forged header from anyone else changes nothing."""
    settings.CLB_TRUSTED_PROXIES = ["10.0.0.1"]
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for _ in range(2):
        response = client.get("/sru", {"query": "x"}, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
        assert response.status_code == 200
    assert (
        client.get("/sru", {"query": "x"}, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy).status_code
        == 429
    )
    with caplog.at_level(logging.INFO, logger="clb.exchange"):
        other = client.get("/sru", {"query": "x"}, HTTP_X_FORWARDED_FOR="203.0.113.6", **proxy)
    assert other.status_code == 200  # another reader behind the same proxy
    assert caplog.records[-1].getMessage().startswith("sru 203.0.113.6 GET")  # and in the log
    for _ in range(2):
        client.get("/sru", {"query": "x"}, REMOTE_ADDR="198.51.100.7")
    forged = client.get(
        "/sru", {"query": "x"}, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="192.0.2.1"
    )
    assert forged.status_code == 429  # not from a named proxy: its header is not believed


def test_each_request_is_logged_without_secrets(client, shelf, caplog):
    with caplog.at_level(logging.INFO, logger="clb.exchange"):
        client.get("/sru", {"query": "dc.title = tonio", "x-pin": "4321"})
        client.get("/oai", {"verb": "ListSets"})
    lines = [r.getMessage() for r in caplog.records if r.name == "clb.exchange"]
    assert len(lines) == 2
    assert "dc.title = tonio" in lines[0] and "4321" not in lines[0] and "***" in lines[0]
    assert lines[1].startswith("oai 127.0.0.1 GET ListSets outcome=ok")


def test_oversized_requests_are_refused_in_protocol_form(client, shelf):
    response = client.get("/sru", {"query": "a " * 5000})
    assert response.status_code == 413 and b"diagnostic" in response.content
    response = client.post(
        "/oai", "verb=Identify&x=" + "y" * 300_000, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413 and b"<error" in response.content


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_are_each_counted_once(settings):
    from threading import Barrier, Thread

    from django.db import connection

    from clb.exchange import ratelimit
    from tests.factories import T0

    settings.CLB_EXCHANGE_RATE_LIMITS = {"sru": 10}
    verdicts, start = [], Barrier(8)

    def requests():
        try:
            start.wait()
            for _ in range(3):
                verdicts.append(ratelimit.check("sru", "10.1.1.1", at=T0).allowed)
        finally:
            connection.close()

    threads = [Thread(target=requests) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(verdicts) == 24 and verdicts.count(True) == 10
