"""The cockpit's tallies of registrations, kept up to date inside each registration's own
transaction (a correction takes the old figures out and puts the new ones in), and rebuilt from
the registrations themselves after a bulk load or for repair."""

from datetime import date

from django.db import connection, transaction

from clb.statistics.tallies import (
    branch_municipality_sql,
    bump,
    follow_branches,
    half_year_of,
    half_years_between,
    next_half_year,
    strays,
)

from .models import (
    Activity,
    ActivityTally,
    IdoContact,
    IdoContactTheme,
    IdoTally,
    ParticipantCount,
    ParticipantTally,
)

IDO_HELPED = "ja"


def _ido_values(contact: IdoContact, themes) -> list[tuple[str, str]]:
    values = [("channel", contact.channel), ("government_body", contact.government_body)]
    if contact.helped:
        values.append(("helped", IDO_HELPED))
    if contact.referred_to:
        values.append(("referred_to", contact.referred_to))
    return values + [("theme", theme) for theme in themes]


def count_contact(contact: IdoContact, themes, sign: int = 1) -> None:
    for dimension, value in _ido_values(contact, themes):
        bump(
            IdoTally,
            {
                "half_year": half_year_of(contact.occurred_on),
                "dimension": dimension,
                "organisation": contact.organisation_id,
                "branch": contact.branch_id,
                "value": value,
            },
            branch_municipality=True,
            n=sign,
        )


def branch_saved(sender, instance, raw=False, **_kwargs) -> None:
    """A branch saved (post_save): its IDO tally rows follow it if it moved."""
    if not raw:
        follow_branches(IdoTally, [instance.pk])


def count_activity(activity: Activity, participants: dict[str, int], sign: int = 1) -> None:
    key = {
        "half_year": half_year_of(activity.starts_on),
        "organisation": activity.organisation_id,
        "municipality": activity.municipality_id,
        "programme": activity.programme,
        "wsob_function": activity.wsob_function,
        "is_course": activity.is_course,
    }
    bump(ActivityTally, key, n=sign, sessions=sign * activity.sessions)
    for group, count in participants.items():
        if count:
            bump(ParticipantTally, key | {"target_group": group}, n=sign * count)


def _tables() -> dict:
    return {
        m: m._meta.db_table
        for m in (
            IdoContact,
            IdoContactTheme,
            Activity,
            ParticipantCount,
            IdoTally,
            ActivityTally,
            ParticipantTally,
        )
    }


def _ido_counted(t: dict) -> list[tuple[str, str]]:
    """(dimension, SELECT organisation_id, branch_id, value, n) counting a half-year's contacts
    per value of each dimension, as the IDO tally holds them; parameters: its first day and the
    next half-year's."""
    out = []
    for dimension, column, condition in (
        ("channel", "channel", ""),
        ("government_body", "government_body", ""),
        ("helped", f"'{IDO_HELPED}'", "AND helped"),
        ("referred_to", "referred_to", "AND referred_to <> ''"),
    ):
        out.append(
            (
                dimension,
                f"SELECT organisation_id, branch_id, {column} AS value, COUNT(*) AS n"
                f" FROM {t[IdoContact]} WHERE occurred_on >= %s AND occurred_on < %s {condition}"
                f" GROUP BY organisation_id, branch_id"
                + ("" if column.startswith("'") else f", {column}"),
            )
        )
    out.append(
        (
            "theme",
            f"SELECT c.organisation_id, c.branch_id, th.theme AS value, COUNT(*) AS n"
            f" FROM {t[IdoContactTheme]} th JOIN {t[IdoContact]} c ON c.id = th.contact_id"
            f" WHERE c.occurred_on >= %s AND c.occurred_on < %s"
            f" GROUP BY c.organisation_id, c.branch_id, th.theme",
        )
    )
    return out


def rebuild(start: date, end: date, progress=lambda _m: None) -> None:
    """Recompute the registration tallies of the half-years overlapping [start, end]."""
    t = _tables()
    for half in half_years_between(start, end):
        span = [half, half, next_half_year(half)]
        with transaction.atomic(), connection.cursor() as cursor:
            for tally in (IdoTally, ActivityTally, ParticipantTally):
                cursor.execute(f"DELETE FROM {t[tally]} WHERE half_year = %s", [half])
            for dimension, counted in _ido_counted(t):
                cursor.execute(
                    f"INSERT INTO {t[IdoTally]} (half_year, dimension, organisation_id,"
                    f" branch_id, value, municipality_code, n) SELECT %s, '{dimension}',"
                    f" g.organisation_id, g.branch_id, g.value,"
                    f" {branch_municipality_sql('g.branch_id')}, g.n FROM ({counted}) g",
                    span,
                )
            cursor.execute(
                f"INSERT INTO {t[ActivityTally]} (half_year, organisation_id, municipality_id,"
                f" programme, wsob_function, is_course, n, sessions) SELECT %s, organisation_id,"
                f" municipality_id, programme, wsob_function, is_course, COUNT(*), SUM(sessions)"
                f" FROM {t[Activity]} WHERE starts_on >= %s AND starts_on < %s"
                f" GROUP BY organisation_id, municipality_id, programme, wsob_function, is_course",
                span,
            )
            cursor.execute(
                f"INSERT INTO {t[ParticipantTally]} (half_year, organisation_id, municipality_id,"
                f" programme, wsob_function, is_course, target_group, n) SELECT %s,"
                f" a.organisation_id, a.municipality_id, a.programme, a.wsob_function,"
                f" a.is_course, p.target_group, SUM(p.count) FROM {t[ParticipantCount]} p"
                f" JOIN {t[Activity]} a ON a.id = p.activity_id"
                f" WHERE a.starts_on >= %s AND a.starts_on < %s GROUP BY a.organisation_id,"
                f" a.municipality_id, a.programme, a.wsob_function, a.is_course, p.target_group",
                span,
            )
        progress(f"registratietellingen {half:%Y}-H{1 if half.month == 1 else 2} herberekend")


def ido_halves() -> set[date]:
    """The half-years with IDO contacts or IDO tally rows."""
    halves = {half_year_of(m) for m in IdoContact.objects.dates("occurred_on", "month")}
    return halves | set(IdoTally.objects.values_list("half_year", flat=True).distinct())


def disagreements(half: date) -> list[str]:
    """Where the IDO tally of a half-year differs from what its contacts say (per dimension,
    organisation, branch and value), and rows whose municipality is not their branch's; empty
    when they agree."""
    t = _tables()
    span = [half, next_half_year(half)]
    counted: dict[tuple, int] = {}
    with connection.cursor() as cursor:
        for dimension, select in _ido_counted(t):
            cursor.execute(select, span)
            for org, branch, value, n in cursor.fetchall():
                counted[(dimension, org, branch, value)] = int(n)
        cursor.execute(
            f"SELECT dimension, organisation_id, branch_id, value, n FROM {t[IdoTally]}"
            f" WHERE half_year = %s AND n <> 0",
            [half],
        )
        held = {tuple(k): int(n) for *k, n in cursor.fetchall()}
    wrong = [
        f"IdoTally {half} {k}: {held.get(k, 0)} geteld, {counted.get(k, 0)} contacten"
        for k in sorted(set(counted) | set(held), key=str)
        if counted.get(k, 0) != held.get(k, 0)
    ]
    for branch, held_code, branch_code in strays(IdoTally, half):
        wrong.append(
            f"IdoTally {half} locatie {branch}: gemeente {held_code or '-'},"
            f" de locatie ligt in {branch_code or '-'}"
        )
    return wrong
