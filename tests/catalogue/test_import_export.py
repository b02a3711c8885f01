import gzip
import io
from decimal import Decimal

import pytest
from django.db import connection

from clb.catalogue import mapping, reading, services
from clb.catalogue.models import BibRecord, Item, ItemStatus, MergeLog, RecordIsbn
from tests.factories import make_item, make_record

from .marcdata import field, iso2709, marcxml, real_bytes, record

pytestmark = pytest.mark.django_db

AVONDEN = "9789023466321"  # a valid ISBN-13


def write(tmp_path, name, data, compress=False):
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def snapshot():
    """Everything the catalogue holds about its records and copies, comparable across runs."""
    records = sorted(
        (
            r.title,
            r.subtitle,
            tuple(r.authors),
            r.publisher,
            r.year,
            r.isbn,
            r.language,
            r.material_type,
            r.audience,
            tuple(r.subjects),
            tuple(r.series),
            r.control_number,
            tuple(r.invalid_isbns),
        )  # fmt: skip
        for r in BibRecord.objects.all()
    )
    items = sorted(
        Item.objects.values_list(
            "barcode",
            "record__control_number",
            "organisation__code",
            "home_branch__code",
            "item_type__code",
            "call_number",
        )  # fmt: skip
    )
    return records, items


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
    assert list(avonden.isbns.values_list("isbn13", flat=True)) == [AVONDEN]
    assert avonden.subjects == ["Naoorlogse literatuur"] and "<record" in avonden.raw_marc
    assert len(avonden.fingerprint) == 40
    assert BibRecord.objects.get(control_number="A2").audience == "youth"
    assert Item.objects.get(barcode="3002").item_type.code == "jeugdboek"
    assert Item.objects.get(barcode="3002").home_branch == net.a2
    before = snapshot()
    again = services.import_marc([path], net.org_a)
    assert again.summary() == "imported 0, merged 0, items 0, rejected 0" and again.unchanged == 2
    assert snapshot() == before and not MergeLog.objects.exists()


def test_isbn_and_title_key_merge_across_organisations_and_undo(net, tmp_path):
    mine = record("De avonden", isbn=AVONDEN, control="A1", holdings=[("3001", net.a1.code)])
    services.import_marc([write(tmp_path, "a.xml", marcxml(mine))], net.org_a)
    theirs = record(
        "De avonden : een winterverhaal",
        isbn="90-234-6632-2",
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
    file_b = write(tmp_path, "b.mrc", iso2709(theirs, no_isbn_1, no_isbn_2))
    report = services.import_marc([file_b], net.org_b)
    assert report.summary() == "imported 1, merged 2, items 2, rejected 0"
    avonden = BibRecord.objects.get(control_number="A1")
    assert sorted(avonden.items.values_list("organisation__code", flat=True)) == [
        "bibliotheek-eemland",
        "bibliotheek-utrecht",
    ]
    bruidsbed = BibRecord.objects.get(control_number="B78")
    assert list(bruidsbed.items.values_list("barcode", flat=True)) == ["5002"]
    merge = MergeLog.objects.get(matched_on="isbn")
    assert (merge.target, merge.control_number, merge.item_barcodes) == (avonden, "B77", ["5001"])
    assert (
        merge.source == "b.mrc#1"
        and MergeLog.objects.get(matched_on="title_key").control_number == "B79"
    )

    restored = services.undo_merge(merge.pk)
    assert restored.control_number == "B77" and restored.title.startswith("De avonden")
    assert list(restored.items.values_list("barcode", flat=True)) == ["5001"]
    assert list(avonden.items.values_list("barcode", flat=True)) == ["3001"]
    with pytest.raises(services.CatalogueError, match="al ongedaan"):
        services.undo_merge(merge.pk)
    with pytest.raises(services.CatalogueError, match="bestaat niet"):
        services.undo_merge(999999)
    # The cataloguer's decision stands: importing the same file again merges nothing.
    again = services.import_marc([file_b], net.org_b)
    assert again.summary() == "imported 0, merged 0, items 0, rejected 0" and again.unchanged == 3
    # A third description with the ISBN goes to the oldest record, not the restored one.
    third = record("Avonden", isbn=AVONDEN, control="C1", author="Reve, G.")
    services.import_marc([write(tmp_path, "c.mrc", iso2709(third))], net.org_b)
    assert MergeLog.objects.get(control_number="C1").target == avonden


def test_a_record_made_in_another_room_is_matched_by_its_isbn(net, tmp_path):
    existing = make_record("De avonden", isbn=AVONDEN)
    report = services.import_marc(
        [write(tmp_path, "a.mrc", iso2709(record("De avonden", isbn=AVONDEN, control="A1")))],
        net.org_a,
    )
    assert report.merged == 1 and MergeLog.objects.get().target == existing


def test_duplicates_inside_one_file_and_across_batches(net, tmp_path):
    recs = [
        record("Max Havelaar", author="Multatuli", isbn=AVONDEN, control="D1"),
        record("Titaantjes", author="Basboek", control="D2"),
        record(
            "Max Havelaar, of de koffi-veilingen", author="Multatuli", isbn=AVONDEN, control="D3"
        ),  # fmt: skip
        record("Max Havelaar", author="Multatuli", isbn=AVONDEN, control="D1"),  # identical
    ]
    path = write(tmp_path, "d.mrc", iso2709(*recs))
    for batch_size in (500, 2):  # all in one batch, and spread over batches
        BibRecord.objects.all().delete()
        MergeLog.objects.all().delete()
        report = services.import_marc([path], net.org_a, batch_size=batch_size)
        assert (report.imported, report.merged, report.unchanged) == (2, 1, 1)
        assert MergeLog.objects.get().target == BibRecord.objects.get(control_number="D1")


def test_broken_file_stops_the_run_before_anything_is_written(net, tmp_path):
    good = write(tmp_path, "good.mrc", iso2709(record("Goed", control="G1")))
    for name, data in [
        ("empty.mrc", b""),
        ("notxml.xml", b"<collection><record>"),
        ("gzip.mrc.gz", b"\x1f\x8b\x08broken"),
    ]:
        with pytest.raises(services.CatalogueError) as err:
            services.import_marc([good, write(tmp_path, name, data)], net.org_a)
        assert err.value.field == "file" and name in str(err.value)
    assert not BibRecord.objects.exists()


@pytest.mark.parametrize("workers", [1, 2])
def test_bad_records_are_reported_and_the_run_goes_on(net, tmp_path, workers, monkeypatch):
    """Also with worker processes reading the records, two to a chunk: the same report, in the
    file's order."""
    monkeypatch.setattr(mapping, "PARALLEL_FROM", 0)
    monkeypatch.setattr(mapping, "CHUNK", 2)
    good = record(
        "Max Havelaar", author="Multatuli", control="G1", holdings=[("3100", net.a1.code)]
    )
    no_title = record("", control="B1")
    wrong_branch = record(
        "Titaantjes", author="Basboek", control="B2", holdings=[("3101", "nergens")]
    )
    make_item(net.b1, barcode="5999")  # a copy of the other organisation
    foreign_barcode = record(
        "Het achterhuis", author="Frank, Anne", control="B3", holdings=[("5999", net.a1.code)]
    )
    twice = record("Twee keer", control="B4", holdings=[("3100", net.a1.code)])
    truncated = record("Afgebroken", control="B5").as_marc()[:-30]
    data = iso2709(good, no_title, wrong_branch, foreign_barcode, twice) + truncated
    report = services.import_marc([write(tmp_path, "mixed.mrc", data)], net.org_a, workers=workers)
    assert report.imported == 1 and report.items == 1
    assert [(e.number, e.control_number, e.field) for e in report.errors] == [
        (2, "B1", "245"),
        (3, "B2", "852"),
        (4, "B3", "barcode"),
        (5, "B4", "barcode"),
        (6, "B5", "record"),
    ]
    assert "nergens" in report.errors[1].reason and "--branch" in report.errors[1].reason
    assert "andere organisatie" in report.errors[2].reason
    assert "afgebroken" in report.errors[4].reason
    # nothing of a rejected record was written
    assert set(BibRecord.objects.values_list("control_number", flat=True)) == {"G1", ""}
    assert not Item.objects.filter(barcode="3101").exists()


def test_a_record_the_database_refuses_is_isolated_from_its_batch(net, tmp_path):
    """A database-side refusal (here a trigger) rolls the batch back; it is then redone record
    by record, so only that record is lost."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "IF NEW.title = 'Verboden' THEN RAISE EXCEPTION 'titel verboden'; END IF; "
                "RETURN NEW; END $$"
            )
            cursor.execute(
                "CREATE TRIGGER refuse BEFORE INSERT ON catalogue_bibrecord "
                "FOR EACH ROW EXECUTE FUNCTION refuse()"
            )
        else:
            cursor.execute(
                "CREATE TEMP TRIGGER refuse BEFORE INSERT ON catalogue_bibrecord "
                "WHEN NEW.title = 'Verboden' BEGIN SELECT RAISE(ABORT, 'titel verboden'); END"
            )
    recs = [
        record("Toegestaan", control="R1", holdings=[("3201", net.a1.code)]),
        record("Verboden", control="R2", holdings=[("3202", net.a1.code)]),
        record("Ook toegestaan", control="R3"),
    ]
    report = services.import_marc([write(tmp_path, "r.mrc", iso2709(*recs))], net.org_a)
    assert report.summary() == "imported 2, merged 0, items 1, rejected 1"
    assert (report.errors[0].number, report.errors[0].control_number) == (2, "R2")
    assert "titel verboden" in report.errors[0].reason
    assert not Item.objects.filter(barcode="3202").exists()


def test_invalid_isbn_is_kept_with_a_warning(net, tmp_path):
    path = write(
        tmp_path, "x.mrc", iso2709(record("Fout nummer", isbn="9789023466322", control="I1"))
    )
    report = services.import_marc([path], net.org_a)
    assert report.imported == 1
    (warning,) = report.warnings
    assert (warning.number, warning.field) == (1, "020") and "9789023466322" in warning.reason
    rec = BibRecord.objects.get()
    assert rec.isbn == "" and rec.invalid_isbns == ["9789023466322"]
    assert not RecordIsbn.objects.exists()


def test_dry_run_reports_what_a_real_run_does_and_writes_nothing(net, tmp_path):
    path = write(
        tmp_path,
        "x.mrc",
        iso2709(
            record("Droog", control="D1", holdings=[("3300", net.a1.code)]),
            record("Droog", control="D1b", holdings=[("3301", net.a1.code)], subtitle="herdruk"),
            record("", control="D2"),
        ),
    )
    dry = services.import_marc([path], net.org_a, dry_run=True)
    assert not BibRecord.objects.exists() and not Item.objects.exists()
    real = services.import_marc([path], net.org_a)
    assert dry.summary() == real.summary() == "imported 1, merged 1, items 2, rejected 1"


@pytest.mark.parametrize("fmt", ["marcxml", "iso2709"])
def test_export_import_round_trip(net, tmp_path, fmt):
    recs = [
        record("De avonden", isbn=AVONDEN, control="A1", holdings=[("3001", net.a1.code)]),
        record(
            "Nooit meer slapen",
            author="Hermans, W.F.",
            year="1966",
            control="A3",
            holdings=[("3003", net.a2.code), ("3004", net.a1.code)],
        ),
    ]
    services.import_marc([write(tmp_path, "in.mrc", iso2709(*recs))], net.org_a)
    before = snapshot()
    out = io.BytesIO()
    assert services.export_marc(out, fmt=fmt, organisation=net.org_a) == 2
    exported = write(tmp_path, f"out.{fmt}", out.getvalue())
    report = services.import_marc([exported], net.org_a)
    assert report.summary() == "imported 0, merged 0, items 0, rejected 0" and report.unchanged == 2
    # ... and into an empty catalogue it gives the same records and copies
    Item.objects.all().delete()
    BibRecord.objects.all().delete()
    again = services.import_marc([exported], net.org_a)
    assert again.summary() == "imported 2, merged 0, items 3, rejected 0"
    assert snapshot() == before


def test_records_made_without_marc_export_with_all_their_fields(net, tmp_path):
    make_item(net.a1, make_record(
        "Koning van Katoren", ["Terlouw, Jan", "Kooten, Kees van"], year=1971, language="dut",
        audience="youth", isbn=AVONDEN, publisher="Lemniscaat", subjects=["Koningen"],
        series=["Jeugdboeken"], material_type="book", subtitle="een sprookje",
        control_number="H1",
    ), barcode="3500")  # fmt: skip
    make_item(net.a1, make_record("Fanfare", ["Haanstra, Bert"], year=1958,
                                  material_type="dvd", language="dut"), barcode="3501")  # fmt: skip
    withdrawn = make_item(net.a1, make_record("Weg", ["Niemand"]), barcode="3502")
    Item.objects.filter(pk=withdrawn.pk).update(status=ItemStatus.WITHDRAWN)
    out = io.BytesIO()
    assert services.export_marc(out, fmt="iso2709", organisation=net.org_a) == 3
    hand_made = {r.title: r for r in BibRecord.objects.all()}
    Item.objects.all().delete()
    BibRecord.objects.all().delete()
    report = services.import_marc([write(tmp_path, "h.mrc", out.getvalue())], net.org_a)
    assert report.summary() == "imported 3, merged 0, items 2, rejected 0"  # no withdrawn copy
    for rec in BibRecord.objects.all():
        old = hand_made[rec.title]
        for name in ("subtitle", "authors", "publisher", "year", "isbn", "language",
                     "material_type", "audience", "subjects", "series"):  # fmt: skip
            assert getattr(rec, name) == getattr(old, name), (rec.title, name)
    assert BibRecord.objects.get(title="Fanfare").material_type == "dvd"


def test_companion_csv_and_default_branch(net, tmp_path):
    recs = [
        record("De avonden", isbn=AVONDEN, control="A1"),
        record(
            "Titaantjes",
            author="Basboek",
            control="A2",
            extra=[field("949", ("i", "3402"), ("l", "MAIN-STACKS"), ("t", "BOOK"))],
        ),  # fmt: skip
    ]
    csv_path = tmp_path / "copies.csv"
    csv_path.write_text(
        "barcode;branch;call_number;item_type;control_number;isbn\n"
        f"3400;{net.a2.code};REVE;boek;;90-234-6632-2\n"
        "3401;;REVE 2;;A1;\n"
        "3409;;;;ZZZ;\n"
        ";;;;A1;\n",
        encoding="utf-8",
    )
    report = services.import_marc(
        [write(tmp_path, "a.mrc", iso2709(*recs))], net.org_a, holdings_csv=csv_path,
        branch=net.a1,
    )  # fmt: skip
    assert report.summary() == "imported 2, merged 0, items 3, rejected 2"
    assert Item.objects.get(barcode="3400").home_branch == net.a2
    assert (
        Item.objects.get(barcode="3401").home_branch,
        Item.objects.get(barcode="3401").call_number,
    ) == (net.a1, "REVE 2")
    stack = Item.objects.get(barcode="3402")
    assert stack.home_branch == net.a1 and stack.item_type.code == "boek"
    assert {(e.number, e.field) for e in report.errors} == {(5, "barcode"), (4, "holdings")}
    reasons = " ".join(w.reason for w in report.warnings)
    assert "MAIN-STACKS" in reasons and "'BOOK' onbekend" in reasons


def test_branch_is_needed_when_the_organisation_has_several(net, tmp_path):
    path = write(tmp_path, "a.mrc", iso2709(
        record("Zonder plaats", control="P1", extra=[field("949", ("i", "3600"))])))  # fmt: skip
    report = services.import_marc([path], net.org_a)
    assert report.rejected == 1 and "vestiging ontbreekt" in report.errors[0].reason
    single = services.import_marc([path], net.org_b)  # one branch: that one
    assert single.items == 1 and Item.objects.get(barcode="3600").home_branch == net.b1
    with pytest.raises(services.CatalogueError, match="geen vestiging"):
        services.import_marc([path], net.org_a, branch=net.b1)


def test_records_without_optional_fields_import(net, tmp_path):
    import pymarc

    bare = pymarc.Record(force_utf8=True)
    bare.leader = "00000nam a2200000 a 4500"
    bare.add_ordered_field(field("245", ("a", "Zonder meer"), ind="00"))
    report = services.import_marc(
        [write(tmp_path, "bare.mrc", bare.as_marc())], net.org_a
    )  # no 001, 008, 260/264
    assert report.summary() == "imported 1, merged 0, items 0, rejected 0"
    rec = BibRecord.objects.get()
    assert (rec.title, rec.year, rec.language, rec.control_number) == ("Zonder meer", None, "", "")


def test_a_barcode_given_twice_in_one_import_is_an_error_in_any_batch(net, tmp_path):
    """Two records far apart in a file (different batches) with the same barcode: the second
    copy is refused with the record that had it first, not taken for 'already ours'."""
    first = record("Eerste", control="E1", holdings=[("3777", net.a1.code)])
    filler = [record(f"Tussen {i}", control=f"T{i}") for i in range(3)]
    second = record("Tweede", control="E2", holdings=[("3777", net.a1.code)])
    path = write(tmp_path, "twee.mrc", iso2709(first, *filler, second))
    report = services.import_marc([path], net.org_a, batch_size=2)
    assert [(e.number, e.control_number, e.field) for e in report.errors] == [(5, "E2", "barcode")]
    assert "twee.mrc record 1" in report.errors[0].reason
    assert Item.objects.get(barcode="3777").record.control_number == "E1"
    again = services.import_marc([path], net.org_a, batch_size=2)  # a rerun: nothing new
    assert again.items == 0 and Item.objects.filter(barcode="3777").count() == 1


@pytest.mark.parametrize("workers", [1, 2])
def test_copies_listed_apart_with_translated_codes_and_refusal_per_copy(
    net, tmp_path, workers, monkeypatch
):
    """A migration's list of copies: another system's branch and item-type codes translated,
    a copy with an unknown location refused on its own (its record and other copies come in),
    and every record written reported with its new item ids. Also with worker processes, one
    record to a chunk: the record key is read from, and on_written handed, the record itself."""
    monkeypatch.setattr(mapping, "PARALLEL_FROM", 0)
    monkeypatch.setattr(mapping, "CHUNK", 1)
    from clb.catalogue.importer import CopyRow
    from clb.catalogue.marc import Holding

    koha = record(
        "Koha-titel",
        control="K1",
        extra=[
            field(
                "952",
                ("a", "CEN"),
                ("b", "OVV"),
                ("p", "3900"),
                ("y", "BK"),
                ("o", "R KOH"),
                ("v", "24,95"),
            )
        ],  # fmt: skip
    )
    listed = record("Lijst-titel", control="L1", extra=[field("999", ("c", "77"))])
    copies = [
        CopyRow(2, Holding("3901", "CEN", "R LIJ", "DVD", "csv"), record_key="77"),
        CopyRow(3, Holding("3902", "ONBEKEND", "", "BK", "csv"), record_key="77"),
        CopyRow(4, Holding("3903", "OVV", "", "BK", "csv"), record_key="78"),
    ]
    written = []
    report = services.import_marc(
        [write(tmp_path, "koha.mrc", iso2709(koha, listed))],
        net.org_a,
        copies=copies,
        copies_name="items.csv",
        branch_codes={"cen": net.a1.code, "OVV": net.a2.code},
        type_codes={"BK": "boek", "dvd": "dvd"},
        record_key=lambda r: next((f["c"] for f in r.get_fields("999")), ""),
        copy_errors=True,
        on_written=written.extend,
        workers=workers,
    )
    assert report.imported == 2 and report.items == 2
    assert sorted((e.file, e.number, e.field) for e in report.errors) == [
        ("items.csv", 3, "csv"),
        ("items.csv", 4, "holdings"),
    ]
    assert "ONBEKEND" in next(e.reason for e in report.errors if e.number == 3)
    k = Item.objects.get(barcode="3900")
    assert (k.home_branch, k.current_branch, k.item_type.code, k.call_number) == (
        net.a1, net.a2, "boek", "R KOH",
    )  # fmt: skip
    assert k.replacement_price == Decimal("24.95")
    assert Item.objects.get(barcode="3901").item_type.code == "dvd"
    by_control = {w.record.get("001").data: w for w in written}
    assert by_control["L1"].how == "new"
    assert [(line, barcode) for line, barcode, _pk in by_control["L1"].items] == [(2, "3901")]
    assert by_control["L1"].items[0][2] == Item.objects.get(barcode="3901").pk
    assert by_control["K1"].items[0][:2] == (None, "3900")


def test_a_copy_may_name_its_branch_by_the_branch_isil(net, tmp_path):
    """As CLB's own holdings feed does (852 $b), and as Koha keeps an ISIL per library."""
    net.a2.isil = "NL-UtOost"
    net.a2.save()
    path = write(tmp_path, "a.mrc", iso2709(record(
        "De avonden", control="I1", extra=[field("852", ("b", "nl-utoost"), ("p", "3700"))])))  # fmt: skip
    report = services.import_marc([path], net.org_a)
    assert not report.errors and Item.objects.get(barcode="3700").home_branch == net.a2


def test_worker_processes_map_real_records_as_one_process_does(monkeypatch):
    """Real files, repairs and MARC-8 among them, cut into chunks of three for two workers."""
    monkeypatch.setattr(mapping, "PARALLEL_FROM", 0)
    monkeypatch.setattr(mapping, "CHUNK", 3)
    data = b"".join(real_bytes(n) for n in ("pymarc-marc", "pymarc-regression45", "pymarc-marc8"))
    source = reading.source_from_bytes(data, path="echt.mrc")
    alone = list(mapping.mapped(source, workers=1))
    together = list(mapping.mapped(source, workers=2))
    assert len(alone) == source.total == 33
    assert together == alone
    assert all(m.record is None for m in together)  # records stay in the workers unless asked
    read = {e.number: e.record for e in source.entries()}
    kept = [m for m in mapping.mapped(source, workers=2, keep_records=True) if not m.problem]
    assert len(kept) == sum(not m.problem for m in alone) > 0
    assert all(m.record.as_marc() == read[m.number].as_marc() for m in kept)
    assert [m.number for m in together] == list(range(1, 34))
    assert any(m.repairs for m in together) and all(m.raw for m in together if not m.problem)
