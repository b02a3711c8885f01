import gzip
import io

import pytest

from clb.catalogue import services
from clb.catalogue.models import BibRecord, Item, MergeLog

from .marcdata import iso2709, marcxml, record

pytestmark = pytest.mark.django_db

AVONDEN = "9789023466321"  # a valid ISBN-13


def write(tmp_path, name, data, compress=False):
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def test_import_maps_fields_creates_items_and_is_idempotent(net, tmp_path):
    recs = [
        record(
            "De avonden :",
            isbn="90-234-6632-2",
            control="A1",
            holdings=[("3001", net.a1.code)],
            subtitle="een winterverhaal",
            subjects=["Naoorlogse literatuur"],
        ),
        record(
            "Koning van Katoren",
            author="Terlouw, Jan",
            year="1971",
            control="A2",
            juvenile=True,
            holdings=[("3002", net.a2.code)],
        ),
    ]
    path = write(tmp_path, "batch.mrc.gz", iso2709(*recs), compress=True)
    report = services.import_marc([path], net.org_a)
    assert report.summary() == "imported 2, merged 0, items 2, rejected 0"
    avonden = BibRecord.objects.get(control_number="A1")
    assert (avonden.title, avonden.subtitle, avonden.year, avonden.language) == (
        "De avonden",
        "een winterverhaal",
        1947,
        "dut",
    )
    assert avonden.isbn == AVONDEN and avonden.authors == ["Reve, Gerard"]
    assert avonden.subjects == ["Naoorlogse literatuur"] and "<record" in avonden.raw_marc
    assert BibRecord.objects.get(control_number="A2").audience == "youth"
    assert Item.objects.get(barcode="3002").item_type.code == "jeugdboek"
    again = services.import_marc([path], net.org_a)
    assert again.summary() == "imported 0, merged 0, items 0, rejected 0" and again.unchanged == 2
    assert BibRecord.objects.count() == 2 and not MergeLog.objects.exists()


def test_isbn_and_title_key_merge_across_organisations_and_undo(net, tmp_path):
    services.import_marc(
        [
            write(
                tmp_path,
                "a.xml",
                marcxml(
                    record(
                        "De avonden", isbn=AVONDEN, control="A1", holdings=[("3001", net.a1.code)]
                    )
                ),
            )
        ],
        net.org_a,
    )
    theirs = record(
        "De avonden : een winterverhaal",
        isbn=AVONDEN,
        control="B77",
        holdings=[("5001", net.b1.code)],
    )
    no_isbn_1 = record("Het stenen bruidsbed", author="Mulisch, Harry", year="1959", control="B78")
    no_isbn_2 = record(
        "Het  stenen bruidsbed.",
        author="Mulisch, H.",
        year="1959",
        control="B79",
        holdings=[("5002", net.b1.code)],
    )
    report = services.import_marc(
        [write(tmp_path, "b.mrc", iso2709(theirs, no_isbn_1, no_isbn_2))], net.org_b
    )
    assert report.summary() == "imported 1, merged 2, items 2, rejected 0"
    avonden = BibRecord.objects.get(isbn=AVONDEN)
    assert sorted(avonden.items.values_list("organisation__code", flat=True)) == [
        "bibliotheek-eemland",
        "bibliotheek-utrecht",
    ]
    merge = MergeLog.objects.get(matched_on="isbn")
    restored = services.undo_merge(merge.pk)
    assert restored.control_number == "B77" and restored.title.startswith("De avonden")
    assert list(restored.items.values_list("barcode", flat=True)) == ["5001"]
    assert list(avonden.items.values_list("barcode", flat=True)) == ["3001"]
    with pytest.raises(services.CatalogueError):
        services.undo_merge(merge.pk)


@pytest.mark.parametrize(
    "name,data,field",
    [
        ("empty.mrc", b"", "file"),
        ("notxml.xml", b"<collection><record>", "file"),
        ("gzip.mrc.gz", b"\x1f\x8b\x08broken", "file"),
    ],
)
def test_broken_files_are_refused_whole(net, tmp_path, name, data, field):
    with pytest.raises(services.CatalogueError) as err:
        services.import_marc([write(tmp_path, name, data)], net.org_a)
    assert err.value.field == field
    assert not BibRecord.objects.exists()


def test_bad_records_are_reported_and_the_run_goes_on(net, tmp_path):
    good = record(
        "Max Havelaar", author="Multatuli", control="G1", holdings=[("3100", net.a1.code)]
    )
    no_title = record("", control="B1")
    wrong_branch = record(
        "Titaantjes", author="Basboek", control="B2", holdings=[("3101", "nergens")]
    )
    from tests.factories import make_item

    make_item(net.b1, barcode="5999")  # a copy of the other organisation
    foreign_barcode = record(
        "Het achterhuis", author="Frank, Anne", control="B3", holdings=[("5999", net.a1.code)]
    )
    truncated = record("Afgebroken", control="B4").as_marc()[:-30]
    bad_leader = b"99999" + record("Foute leader", control="B5").as_marc()[5:]
    data = iso2709(good, no_title, wrong_branch, foreign_barcode) + truncated + bad_leader
    report = services.import_marc([write(tmp_path, "mixed.mrc", data)], net.org_a)
    assert report.imported == 1 and report.items == 1
    assert [(e.number, e.control_number, e.field) for e in report.errors][:3] == [
        (2, "B1", "245"),
        (3, "B2", "852/949"),
        (4, "B3", "852/949"),
    ]
    assert "andere organisatie" in report.errors[2].reason
    # The truncated record runs into the next one: pymarc reports the pair as one unreadable record.
    assert report.rejected == 4 and report.errors[3].field == "record"
    assert set(BibRecord.objects.values_list("control_number", flat=True)) == {
        "G1",
        "",
    }  # "" = make_item's
    assert not Item.objects.filter(barcode="3101").exists()


def test_invalid_isbn_is_kept_as_a_warning(net, tmp_path):
    report = services.import_marc(
        [
            write(
                tmp_path,
                "x.mrc",
                iso2709(record("Fout nummer", isbn="9789023466322", control="I1")),
            )
        ],
        net.org_a,
    )
    assert (
        report.imported == 1 and report.invalid_isbns and "9789023466322" in report.invalid_isbns[0]
    )
    assert BibRecord.objects.get().isbn == ""


def test_dry_run_writes_nothing(net, tmp_path):
    report = services.import_marc(
        [write(tmp_path, "x.mrc", iso2709(record("Droog", control="D1")))], net.org_a, dry_run=True
    )
    assert report.imported == 1 and not BibRecord.objects.exists()


@pytest.mark.parametrize("fmt", ["marcxml", "iso2709"])
def test_export_import_round_trip(net, tmp_path, fmt):
    recs = [
        record("De avonden", isbn=AVONDEN, control="A1", holdings=[("3001", net.a1.code)]),
        record(
            "Nooit meer slapen",
            author="Hermans, W.F.",
            year="1966",
            control="A3",
            holdings=[("3003", net.a2.code)],
        ),
    ]
    services.import_marc([write(tmp_path, "in.mrc", iso2709(*recs))], net.org_a)
    out = io.BytesIO()
    assert services.export_marc(out, fmt=fmt, organisation=net.org_a) == 2
    exported = write(tmp_path, f"out.{fmt}", out.getvalue())
    report = services.import_marc([exported], net.org_a)
    assert report.summary() == "imported 0, merged 0, items 0, rejected 0" and report.unchanged == 2
    assert BibRecord.objects.count() == 2 and Item.objects.count() == 2


def test_import_command_prints_summary_and_errors(net, tmp_path):
    from django.core.management import CommandError, call_command

    path = write(
        tmp_path,
        "c.mrc",
        iso2709(record("Max Havelaar", author="Multatuli", control="C1"), record("", control="C2")),
    )
    out, err = io.StringIO(), io.StringIO()
    call_command("import_marc", str(path), "--organisation", net.org_a.code, stdout=out, stderr=err)
    assert out.getvalue().strip() == "imported 1, merged 0, items 0, rejected 1"
    assert "record 2 (C2): 245" in err.getvalue()
    with pytest.raises(CommandError, match="organisation"):
        call_command("import_marc", str(path), "--organisation", "nobody")
    exported = tmp_path / "all.xml"
    call_command("export_marc", "--output", str(exported), stderr=io.StringIO())
    assert b"Max Havelaar" in exported.read_bytes()


def test_records_without_optional_fields_import(net, tmp_path):
    import pymarc

    bare = pymarc.Record(force_utf8=True)
    bare.leader = "00000nam a2200000 a 4500"
    bare.add_ordered_field(
        pymarc.Field(
            tag="245", indicators=["0", "0"], subfields=[pymarc.Subfield("a", "Zonder meer")]
        )
    )
    report = services.import_marc(
        [write(tmp_path, "bare.mrc", bare.as_marc())], net.org_a
    )  # no 001, 008, 260/264
    assert report.summary() == "imported 1, merged 0, items 0, rejected 0"
    rec = BibRecord.objects.get()
    assert (rec.title, rec.year, rec.language, rec.control_number) == ("Zonder meer", None, "", "")
