"""Members, their blocks and their fees. A member of several organisations is one national
member: matched on a stable key the package gives (externalSystemId) or on a card number CLB
knows for the same person, or as confirmed in member-matches.csv; the same name, birth date and
postcode alone is reported for review and never merged."""

from collections import Counter, defaultdict
from datetime import date

from django.db import transaction

from clb.catalogue.models import Item
from clb.errors import DomainError
from clb.formatting import money
from clb.members import intake
from clb.members import services as members
from clb.members.models import LedgerKind, Patron, age_on
from clb.members.pins import from_source

from .context import Context, batched
from .models import IdMapEntry, Kind
from .package import Row, RowProblem, amount, day, moment
from .report import CREATED, MERGED, REVIEW, SKIPPED, UNCHANGED, UPDATED, WARNING

PATRONS = "patrons.csv"
BATCH = 500


def member_data(row: Row, ctx: Context) -> intake.MemberData:
    street = " ".join(filter(None, (row.get("address"), row.get("streetnumber"))))
    guardian = " ".join(filter(None, (row.get("contactfirstname"), row.get("contactname"))))
    guardian_phone, guardian_email = row.get("altcontactphone"), row.get("guardian_email")
    guarantor = ctx.patron_rows.get(row.get("guarantor_id")) if row.get("guarantor_id") else None
    if row.get("guarantor_id") and guarantor is None:
        ctx.notes[row.number].append(
            ("guarantor_id", f"ouder of verzorger {row.get('guarantor_id')} staat niet in "
                             "patrons.csv")
        )  # fmt: skip
    if guarantor is not None and not guardian:  # Koha's guarantor: another member of the library
        guardian = " ".join(filter(None, (guarantor.get("firstname"), guarantor.get("surname"))))
        guardian_phone = guardian_phone or guarantor.get("phone")
        guardian_email = guardian_email or guarantor.get("email")
    category = row.get("categorycode")
    mapped = {k.casefold(): v for k, v in ctx.package.mapping.patron_categories.items()}
    code = mapped.get(category.casefold(), category) if category else ""
    pin_hash, scheme = from_source(row.get("password"), row.get("password_salt"))
    if scheme in ("onbekend", "onversleuteld"):
        why = ("de pincode stond onversleuteld in het pakket; versleuteld opgeslagen (verwijder "
               "het pakket na de migratie)" if scheme == "onversleuteld" else
               "pincode in een onbekend schema: het lid stelt een pincode in bij het eerste "
               "gebruik")  # fmt: skip
        ctx.notes[row.number].append(("password", why))
    return intake.MemberData(
        card_number=row.get("cardnumber"),
        first_name=row.get("firstname"),
        last_name=row.get("surname"),
        birth_date=day(row, "dateofbirth", required=True),
        postcode=row.get("zipcode"),
        street=street,
        place=row.get("city"),
        email=row.get("email"),
        phone=row.get("phone"),
        guardian_name=guardian,
        guardian_phone=guardian_phone,
        guardian_email=guardian_email,
        keep_history=row.get("privacy") == "0",  # Koha: 0 keeps reading history forever
        pin_hash=pin_hash,
        subscription_code=code if code in ctx.subscription_codes else "",
        started_on=day(row, "dateenrolled"),
        expires_on=day(row, "dateexpiry"),
    )


def run_patrons(ctx: Context) -> None:
    take = intake.Intake(ctx.organisation, ctx.at)
    ctx.subscription_codes = set(take.types)
    known = ctx.idmap.of(Kind.PATRON)
    keys = {k: pid for k, pid in _member_keys()}
    confirmed = _confirmed(ctx)
    rows = list(ctx.package.rows(PATRONS))
    ctx.patron_rows = {r.get("borrowernumber"): r for r in rows if r.get("borrowernumber")}
    in_clb = _existing_cards([r.get("cardnumber") for r in rows])
    seen_cards, seen_people, batch, again = {}, {}, [], []
    total = len(rows)
    for i, row in enumerate(rows, start=1):
        ctx.progress("leden", i, total)
        sid = row.get("borrowernumber") or row.get("cardnumber")
        card = row.get("cardnumber")
        if row.get("borrowernumber") and not ctx.once(row, sid, "borrowernumber"):
            continue
        try:
            data = member_data(row, ctx)
            if row.get("categorycode") and not data.subscription_code:
                ctx.notes[row.number].append(
                    ("categorycode", f"onbekende categorie '{row.get('categorycode')}' (niet in "
                                     "mapping.toml [patron_categories]): abonnement naar leeftijd")
                )  # fmt: skip
            prepared = take.prepare(data)
        except (RowProblem, DomainError) as exc:
            column = exc.column if isinstance(exc, RowProblem) else _column(exc.field)
            ctx.refused(row, sid, column, getattr(exc, "reason", str(exc)))
            ctx.refused_cards[card] = row.number
            continue
        for column, note in ctx.notes.pop(row.number, []) + [(_column(f), n) for f, n in
                                                            prepared.notes]:  # fmt: skip
            ctx.report.add(PATRONS, row.number, sid, WARNING, note, column)
        if card in seen_cards:
            ctx.refused(
                row, sid, "cardnumber", f"pasnummer {card} staat al in rij {seen_cards[card]}"
            )
            continue
        seen_cards[card] = row.number
        entry = known.get(sid)
        if entry is not None:
            again.append((row, sid, entry, prepared))
            if len(again) >= BATCH:
                _again(ctx, take, again)
                again = []
            continue
        patron = _national(ctx, row, data, keys, confirmed, in_clb)
        if patron is False:
            continue
        if patron is not None:
            with ctx.batches.row():
                if take.join(patron, prepared) is not None:
                    ctx.idmap.add(Kind.MEMBERSHIP, sid, patron.pk)
                ctx.idmap.add(Kind.PATRON, sid, patron.pk, created=False)
                ctx.idmap.flush()
            ctx.cards[card] = patron.card_number
            continue
        _review(ctx, row, sid, data, prepared, seen_people)
        batch.append((row, sid, prepared))
        if len(batch) >= BATCH:
            _add(ctx, take, batch)
            batch = []
    _add(ctx, take, batch)
    _again(ctx, take, again)


def _column(field: str | None) -> str:
    return {"card_number": "cardnumber", "first_name": "firstname", "last_name": "surname",
            "birth_date": "dateofbirth", "postcode": "zipcode", "subscription_type": "categorycode",
            "guardian_name": "contactname", "guardian_phone": "altcontactphone"}.get(
                field or "", field or "")  # fmt: skip


def _member_keys():
    return IdMapEntry.objects.filter(kind=Kind.MEMBER_KEY).values_list("source_id", "target_id")


def _existing_cards(cards: list[str]) -> dict[str, Patron]:
    found = {}
    for start in range(0, len(cards), 1000):
        chunk = [c for c in cards[start : start + 1000] if c]
        found.update({p.card_number: p for p in Patron.objects.filter(card_number__in=chunk)})
    return found


def _confirmed(ctx: Context) -> dict[str, int]:
    """member-matches.csv: package card → CLB member, as someone decided after a dry run."""
    out = {}
    for row in ctx.package.rows("member-matches.csv"):
        try:
            out[row.get("cardnumber")] = int(row.get("clb_patron"))
        except ValueError:
            ctx.refused(row, row.get("cardnumber"), "clb_patron",
                        f"'{row.get('clb_patron')}' is geen CLB-lidnummer")  # fmt: skip
    return out


def _national(ctx, row, data, keys, confirmed, in_clb):
    """The CLB member this row is, when that is certain; None for a new member; False when the
    row is refused (its card belongs to someone else)."""
    sid, card = row.get("borrowernumber") or row.get("cardnumber"), row.get("cardnumber")
    stable = row.get("externalSystemId")
    if stable and stable in keys:
        patron = Patron.objects.get(pk=keys[stable])
        ctx.report.add(PATRONS, row.number, sid, MERGED,
                       f"zelfde landelijke sleutel als lid {patron.pk}: lid ook hier", "externalSystemId")  # fmt: skip
        return patron
    if card in confirmed:
        patron = Patron.objects.filter(pk=confirmed[card]).first()
        if patron is not None:
            ctx.report.add(PATRONS, row.number, sid, MERGED,
                           f"bevestigd in member-matches.csv: lid {patron.pk}")  # fmt: skip
            return patron
    other = in_clb.get(card)
    if other is None:
        return None
    same = (other.birth_date == data.birth_date
            and other.last_name.casefold() == data.last_name.strip().casefold())  # fmt: skip
    if same:
        ctx.report.add(PATRONS, row.number, sid, MERGED,
                       f"pasnummer en persoon bekend in CLB (lid {other.pk}): lid ook hier",
                       "cardnumber")  # fmt: skip
        return other
    ctx.refused(row, sid, "cardnumber",
                f"pasnummer {card} bestaat al in CLB voor een ander lid (lid {other.pk})")  # fmt: skip
    ctx.refused_cards[card] = row.number
    return False


def _review(ctx, row, sid, data, prepared, seen_people) -> None:
    """The same name, birth date and postcode as an earlier row: perhaps the same person, for
    someone to decide (member-matches.csv), never merged on this alone. (Members CLB has
    already are looked up per batch, in _add.)"""
    key = _person(data, prepared)
    if key in seen_people:
        ctx.report.add(PATRONS, row.number, sid, REVIEW,
                       f"zelfde naam, geboortedatum en postcode als rij {seen_people[key]}")  # fmt: skip
    seen_people.setdefault(key, row.number)


def _person(data, prepared) -> tuple:
    return (data.first_name.strip().casefold(), data.last_name.strip().casefold(),
            data.birth_date, prepared.postcode)  # fmt: skip


def _review_in_clb(ctx, batch) -> None:
    found = intake.same_people([_person(p.data, p) for _r, _s, p in batch])
    for row, sid, prepared in batch:
        for other in found.get(_person(prepared.data, prepared), [])[:5]:
            ctx.report.add(PATRONS, row.number, sid, REVIEW,
                           f"zelfde naam, geboortedatum en postcode als CLB-lid {other.pk} "
                           f"(ingeschreven bij {other.registered_by.name}); bevestig in "
                           "member-matches.csv om samen te voegen")  # fmt: skip


@transaction.atomic
def _add(ctx: Context, take: intake.Intake, batch) -> None:
    if not batch:
        return
    _review_in_clb(ctx, batch)
    patrons = take.add([p for _r, _s, p in batch], source=ctx.run.source)
    for (row, sid, _prepared), patron in zip(batch, patrons, strict=True):
        ctx.idmap.add(Kind.PATRON, sid, patron.pk, state=intake.patron_state(patron))
        if row.get("externalSystemId"):
            ctx.idmap.add(Kind.MEMBER_KEY, row.get("externalSystemId"), patron.pk)
        ctx.cards[row.get("cardnumber")] = patron.card_number
        ctx.report.add(PATRONS, row.number, sid, CREATED, f"lid {patron.pk}")
    ctx.idmap.flush()


@transaction.atomic
def _again(ctx: Context, take: intake.Intake, rows) -> None:
    """Members an earlier run brought in: the contact details of the package now, and the
    state the id map keeps, so that undo still knows them."""
    found = take.update([(entry.target_id, prepared) for _r, _s, entry, prepared in rows
                         if entry.created])  # fmt: skip
    cards = dict(Patron.objects.filter(pk__in=[e.target_id for _r, _s, e, _p in rows])
                 .values_list("pk", "card_number"))  # fmt: skip
    for row, sid, entry, _prepared in rows:
        patron, changed = found.get(entry.target_id, (None, []))
        if entry.target_id not in cards:
            ctx.refused(row, sid, "cardnumber",
                        f"lid {entry.target_id} van een eerdere run bestaat niet meer")  # fmt: skip
            continue
        ctx.cards[row.get("cardnumber")] = cards[entry.target_id]
        if not entry.created:
            ctx.report.add(PATRONS, row.number, sid, UNCHANGED,
                           f"lid {entry.target_id} (samengevoegd)")  # fmt: skip
        elif changed:
            entry.state = intake.patron_state(patron)
            IdMapEntry.objects.filter(pk=entry.pk).update(state=entry.state)
            ctx.report.add(PATRONS, row.number, sid, UPDATED,
                           f"lid {patron.pk}: {', '.join(changed)}")  # fmt: skip
        else:
            ctx.report.add(PATRONS, row.number, sid, UNCHANGED, f"lid {patron.pk}")


# --- blocks ---------------------------------------------------------------------------------------


@batched
def run_blocks(ctx: Context) -> None:
    """Koha's restrictions (borrower_debarments, or debarred in patrons.csv) and FOLIO's manual
    blocks: the reasons of a member's blocks still in force, together, block the card."""
    today = ctx.at.date()
    reasons = defaultdict(list)  # CLB card → [(row, source id, reason)]
    sources = [("blocks.csv", "comment", "expiration"), (PATRONS, "debarredcomment", "debarred")]
    for name, comment, until in sources:
        for row in ctx.package.rows(name):
            sid = row.get("borrower_debarment_id") or f"{row.get('cardnumber')}|{name}|{row.number}"
            if name == PATRONS and not row.get("debarred"):
                continue
            if not ctx.once(row, sid, "borrower_debarment_id"):
                continue
            try:
                ends = day(row, until)
            except RowProblem as problem:
                ctx.refused(row, sid, problem.column, problem.reason)
                continue
            if ends is not None and ends < today and not (name == PATRONS and ends.year >= 9999):
                ctx.report.add(
                    row.file, row.number, sid, SKIPPED, f"blokkade verlopen op {ends}", until
                )
                continue
            card = ctx.patron_card(row, sid)
            if card is None:
                continue
            text = row.get(comment) or row.get("type") or "blokkade uit het vorige systeem"
            reasons[card].append((row, sid, text))
    for card, found in reasons.items():
        reason = "; ".join(dict.fromkeys(text for _r, _s, text in found))[:200]
        patron = members.find_patron(card)
        key = "|".join(sorted(s for _r, s, _t in found))
        if ctx.idmap.get(Kind.BLOCK, key):
            for row, sid, _t in found:
                ctx.report.add(row.file, row.number, sid, UNCHANGED, "blokkade al gemigreerd")
            continue
        with ctx.batches.row():
            members.set_blocked(patron, True, reason)
            ctx.idmap.add(Kind.BLOCK, key, patron.pk, state=reason)
            ctx.idmap.flush()
        for row, sid, _t in found:
            ctx.report.add(row.file, row.number, sid, CREATED, f"pas geblokkeerd: {reason}")


# --- fees -----------------------------------------------------------------------------------------


@batched
def run_fees(ctx: Context) -> None:
    """What members still owe (or have in credit), line by line, in CLB's ledger."""
    known = ctx.idmap.of(Kind.FEE)
    rows = list(ctx.package.rows("fees.csv"))
    pending = []  # (row, source id, CLB card, LedgerIn) for the next batch
    alike = Counter()
    for i, row in enumerate(rows, start=1):
        ctx.progress("financiën", i, len(rows))
        sid = row.get("accountlines_id") or _fee_key(row, alike)
        if not ctx.once(row, sid, "accountlines_id"):
            continue
        if sid in known:
            ctx.report.add(row.file, row.number, sid, UNCHANGED, "al gemigreerd")
            continue
        try:
            owed = amount(row, "amountoutstanding")
            code = row.get("debit_type_code")
            kind = ctx.package.mapping.fee_kind(code) if code else LedgerKind.FINE
            if owed > 0 and kind not in LedgerKind.values:
                raise RowProblem("debit_type_code", f"onbekende soort '{code}' (niet in "
                                                    "mapping.toml [fee_kinds])")  # fmt: skip
            when = moment(row, "date") or ctx.at
        except RowProblem as problem:
            ctx.refused(row, sid, problem.column, problem.reason)
            continue
        if owed == 0:
            ctx.report.add(
                row.file, row.number, sid, SKIPPED, "niets openstaand", "amountoutstanding"
            )
            continue
        card = ctx.patron_card(row, sid)
        if card is None:
            continue
        line = intake.LedgerIn(
            kind if owed > 0 else LedgerKind.PAYMENT, owed, when,
            row.get("description")[:300] or f"uit het vorige systeem ({code})",
            _fee_item(ctx, row, sid),
        )  # fmt: skip
        pending.append((row, sid, card, line))
        if len(pending) >= ctx.batches.size:
            _book(ctx, pending)
            pending = []
    _book(ctx, pending)


def _fee_key(row, alike: Counter) -> str:
    """A fee line without its id in the other system: known by what it says, and which of the
    alike lines it is (two equal fines on one day are two lines, on every run)."""
    key = "|".join((row.get("cardnumber"), row.get("date"), row.get("amountoutstanding"),
                    row.get("description")))  # fmt: skip
    alike[key] += 1
    return key if alike[key] == 1 else f"{key}#{alike[key]}"


def _book(ctx: Context, pending: list) -> None:
    patrons = members.find_patrons([card for _r, _s, card, _l in pending])
    booked = []
    for row, sid, card, line in pending:
        line.patron = patrons[card]
        if line.kind == LedgerKind.SUBSCRIPTION and _minor(line.patron, ctx.at.date()):
            ctx.report.add(row.file, row.number, sid, SKIPPED,
                           f"contributie van een lid jonger dan 18 ({money(line.amount)}) niet "
                           "overgenomen: jeugd leest gratis (opgave 1)", "debit_type_code")  # fmt: skip
            continue
        booked.append((row, sid, line))
    if not booked:
        return
    with ctx.batches.row(weight=len(booked)):
        lines = intake.carry_over(ctx.organisation, [line for _r, _s, line in booked])
        for (_row, sid, _line), done in zip(booked, lines, strict=True):
            if not isinstance(done, DomainError):
                ctx.idmap.add(Kind.FEE, sid, done.pk)
        ctx.idmap.flush()
    for (row, sid, line), done in zip(booked, lines, strict=True):
        if isinstance(done, DomainError):
            ctx.refused(row, sid, "amountoutstanding", str(done))
        else:
            ctx.report.add(row.file, row.number, sid, CREATED,
                           f"{'schuld' if line.amount > 0 else 'tegoed'} {money(abs(line.amount))} "
                           f"({done.kind})")  # fmt: skip


def _fee_item(ctx: Context, row, sid) -> int | None:
    """The copy a fee line is about (a lost copy, a late one), when the package names one of
    the organisation's copies."""
    barcode = row.get("barcode")
    if not barcode:
        return None
    if barcode not in ctx.items:
        found = Item.objects.filter(barcode=barcode, organisation=ctx.organisation).first()
        if found is None:
            ctx.report.add(row.file, row.number, sid, WARNING,
                           f"exemplaar {barcode} is niet van {ctx.organisation.code}: regel "
                           "zonder exemplaar", "barcode")  # fmt: skip
            return None
        ctx.items[barcode] = found.pk
    return ctx.items[barcode]


def _minor(patron: Patron, today: date) -> bool:
    return age_on(patron.birth_date, today) < 18
