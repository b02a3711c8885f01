"""SRU against a live server with clients we did not write: sruthi (Python) and YAZ's zoomsh
(Debian's yaz, the reference Z39.50/SRU toolkit)."""

import os
import subprocess

import pytest
import sruthi

from scripts.ensure_system import YAZ

pytestmark = pytest.mark.django_db(transaction=True)


def test_sruthi_searches_pages_and_explains(live_server, shelf):
    url = live_server.url + "/sru"
    records = sruthi.searchretrieve(
        url, query="dc.date > 1900", record_schema="dc", maximum_records=4
    )
    assert records.count == 11
    titles = [r["title"] for r in records]  # sruthi follows nextRecordPosition itself
    assert len(titles) == 11 and len(set(titles)) == 11
    explained = sruthi.explain(url)
    assert explained.server["database"] == "sru"
    assert "title" in explained.index["dc"] and explained.config["maximumRecords"] == 100
    with pytest.raises(sruthi.errors.SruError):
        sruthi.searchretrieve(url, query="dc.nope = x")


@pytest.mark.skipif(YAZ.find(os.environ) is None, reason=YAZ.skipped)
@pytest.mark.parametrize("version", ["1.2", "2.0"])
def test_yaz_zoomsh_searches_over_sru(live_server, shelf, version):
    out = subprocess.run(
        [
            "zoomsh",
            "set sru get",
            f"set sru_version {version}",
            "set preferredRecordSyntax xml",
            "set elementSetName marcxml",
            f"connect {live_server.url}/sru",
            "search cql:dc.title=katoren",
            "show 0 2",
            "quit",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "2 hits" in out.stdout, out.stdout + out.stderr
    assert "Katoren" in out.stdout and 'tag="852"' in out.stdout
