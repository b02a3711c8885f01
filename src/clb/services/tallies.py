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


def rebuild(start: date, end: date, progress=lambda _m: None) -> None:
    """Recompute the registration tallies of the half-years overlapping [start, end]."""
    t = {
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
    for half in half_years_between(start, end):
        span = [half, half, next_half_year(half)]
        with transaction.atomic(), connection.cursor() as cursor:
            for tally in (IdoTally, ActivityTally, ParticipantTally):
                cursor.execute(f"DELETE FROM {t[tally]} WHERE half_year = %s", [half])
            for dimension, column, condition in (
                ("channel", "channel", ""),
                ("government_body", "government_body", ""),
                ("helped", f"'{IDO_HELPED}'", "AND helped"),
                ("referred_to", "referred_to", "AND referred_to <> ''"),
            ):
                cursor.execute(
                    f"INSERT INTO {t[IdoTally]} (half_year, dimension, organisation_id,"
                    f" branch_id, value, municipality_code, n) SELECT %s, '{dimension}',"
                    f" organisation_id, branch_id, {column},"
                    f" {branch_municipality_sql('branch_id')}, COUNT(*) FROM {t[IdoContact]}"
                    f" WHERE occurred_on >= %s AND occurred_on < %s {condition}"
                    f" GROUP BY organisation_id, branch_id"
                    + ("" if column.startswith("'") else f", {column}"),
                    span,
                )
            cursor.execute(
                f"INSERT INTO {t[IdoTally]} (half_year, dimension, organisation_id, branch_id,"
                f" value, municipality_code, n) SELECT %s, 'theme', c.organisation_id,"
                f" c.branch_id, th.theme, {branch_municipality_sql('c.branch_id')},"
                f" COUNT(*) FROM {t[IdoContactTheme]} th JOIN {t[IdoContact]} c"
                f" ON c.id = th.contact_id WHERE c.occurred_on >= %s AND c.occurred_on < %s"
                f" GROUP BY c.organisation_id, c.branch_id, th.theme",
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
