"""`clb import-marc`, `export-marc`, `search`, `undo-merge` and the merge log in the admin."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from clb.catalogue.models import BibRecord, MergeLog
from clb.catalogue.progress import ProgressBar
from tests import csvfiles

from .marcdata import field, iso2709, record

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def files(tmp_path, net):
    first = tmp_path / "c.mrc"
    first.write_bytes(
        iso2709(
            record(
                "Max Havelaar",
                author="Multatuli",
                control="C1",
                isbn="9789023466321",
                holdings=[("3001", net.a1.code)],
            ),  # fmt: skip
            record("", control="C2"),
            record(
                "Fout",
                control="C3",
                isbn="12345",
                extra=[field("949", ("i", "3002"), ("l", "ELDERS"))],
            ),  # fmt: skip
        )
    )
    second = tmp_path / "d.mrc"
    second.write_bytes(
        iso2709(
            record(
                "Max Havelaar of de koffieveilingen",
                author="Multatuli",
                control="D1",
                isbn="9789023466321",
                holdings=[("5001", net.b1.code)],
            )
        )  # fmt: skip
    )
    return first, second


def test_import_prints_one_summary_line_and_the_error_report(net, files, tmp_path):
    report = tmp_path / "report.csv"
    out, err = run("import_marc", str(files[0]), "--organisation", net.org_a.code,
                   "--branch", net.a2.code, "--report", str(report))  # fmt: skip
    assert out == "imported 2, merged 0, items 2, rejected 1\n"
    assert "c.mrc: record 2 (C2): 245: titel ($a) is leeg" in err
    assert "waarschuwing: 020: ongeldig ISBN '12345'" in err
    assert "locatie 'ELDERS' is geen vestiging" in err
    rows = csvfiles.dicts(report.read_bytes())
    assert [(r["kind"], r["record"], r["control_number"], r["field"]) for r in rows] == [
        ("error", "2", "C2", "245"),
        ("warning", "3", "C3", "020"),
        ("warning", "3", "C3", "949"),
    ]
    again, err = run("import_marc", str(files[0]), "--organisation", net.org_a.code,
                     "--branch", net.a2.code)  # fmt: skip
    assert again == "imported 0, merged 0, items 0, rejected 1\n" and "ongewijzigd" in err


def test_import_refuses_unknown_organisation_branch_and_unreadable_files(net, files, tmp_path):
    with pytest.raises(CommandError, match="organisation"):
        run("import_marc", str(files[0]), "--organisation", "nobody")
    with pytest.raises(CommandError, match="branch"):
        run(
            "import_marc",
            str(files[0]),
            "--organisation",
            net.org_a.code,
            "--branch",
            "amf-eemhuis",
        )
    empty = tmp_path / "leeg.xml"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="leeg.xml: het bestand is leeg"):
        run("import_marc", str(files[0]), str(empty), "--organisation", net.org_a.code)
    assert not BibRecord.objects.exists()


def merged(net, files):
    run("import_marc", str(files[0]), "--organisation", net.org_a.code, "--branch", net.a1.code)
    out, _ = run("import_marc", str(files[1]), "--organisation", net.org_b.code)
    assert out == "imported 0, merged 1, items 1, rejected 0\n"
    return MergeLog.objects.get()


def test_undo_merge_command(net, files):
    merge = merged(net, files)
    out, _ = run("undo_merge", str(merge.pk))
    restored = BibRecord.objects.get(control_number="D1")
    assert out == f"Hersteld als titel {restored.pk}: {restored.title}\n"
    assert list(restored.items.values_list("barcode", flat=True)) == ["5001"]
    with pytest.raises(CommandError, match="al ongedaan"):
        run("undo_merge", str(merge.pk))


def test_undo_merge_in_the_admin_needs_the_right_to_change_records(net, files, client,
                                                                   django_user_model):  # fmt: skip
    from django.contrib.auth.models import Permission

    merge = merged(net, files)
    staff = django_user_model.objects.create_user("catalogus", password="x", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_mergelog"))
    client.force_login(staff)
    page = client.get("/admin/catalogue/mergelog/")
    assert page.status_code == 200 and b'value="undo"' not in page.content
    staff.user_permissions.add(Permission.objects.get(codename="change_bibrecord"))
    page = client.get("/admin/catalogue/mergelog/")
    assert b'value="undo"' in page.content
    client.post("/admin/catalogue/mergelog/", {"action": "undo", "_selected_action": [merge.pk]})
    merge.refresh_from_db()
    assert merge.undone_at is not None and merge.undone_into.control_number == "D1"


def test_export_command(net, files, tmp_path):
    run("import_marc", str(files[0]), "--organisation", net.org_a.code, "--branch", net.a1.code)
    target = tmp_path / "all.mrc"
    _out, err = run("export_marc", "--format", "iso2709", "--organisation", net.org_a.code,
                    "--output", str(target))  # fmt: skip
    assert "2 records, 2 exemplaren" in err
    assert target.read_bytes().count(b"\x1d") == 2
    with pytest.raises(CommandError, match="organisation"):
        run("export_marc", "--organisation", "nobody")


def test_search_command(net, files):
    run("import_marc", str(files[0]), "--organisation", net.org_a.code, "--branch", net.a1.code)
    out, _ = run("search", "havelaar", "--json", "--organisation", net.org_a.code)
    data = json.loads(out)
    assert data["total"] == 1 and data["hits"][0]["isbn"] == "9789023466321"
    assert (data["hits"][0]["copies"], data["hits"][0]["available"]) == (1, 1)
    out, _ = run("search", "hvelaar")
    assert out.splitlines()[0] == "(gezocht op: havelaar)" and out.endswith("1 treffers\n")
    assert "\tMax Havelaar\tMultatuli\t1947\t9789023466321\t1/1" in out
    with pytest.raises(CommandError, match="KEY=VALUE"):
        run("search", "x", "--filter", "kleur")
    with pytest.raises(CommandError, match="kleur"):
        run("search", "x", "--filter", "kleur=rood")


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_draws_on_a_terminal_only():
    tty = Terminal()
    bar = ProgressBar("records", tty, width=10, every=0)
    bar(50, 200)
    bar(200, 200)
    bar.close()
    assert "[██░░░░░░░░]  25% 50/200 records" in tty.getvalue()
    assert "[██████████] 100% 200/200 records" in tty.getvalue() and tty.getvalue().endswith("\n")
    pipe = io.StringIO()
    ProgressBar("records", pipe, every=0)(5, 10)
    assert pipe.getvalue() == ""
