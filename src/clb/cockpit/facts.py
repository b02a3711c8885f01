"""Fact sources: the anonymous data the indicators are computed from, as small grouped tables.

Every row starts with (half_year, municipality code, organisation id) followed by the fact's
dimensions and its values. The municipality is where it happened (branch events, registrations,
branches), where people live (residence events, member counts) or, for figures an organisation
reports as a whole (staff, youth fee), each municipality of its working area with a share in
proportion to inhabitants. Rows of facts kept per municipality (population, municipality network)
have organisation None.

Circulation and registrations are read from their tallies (statistics/tallies.py,
services/tallies.py), kept up to date as events and registrations arrive; `raw_events()` switches
to a plain GROUP BY over the raw events and registrations, which is what the benchmark compares
against and what tests use to prove the tallies right."""

import contextlib
import contextvars
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from django.db import connection, connections, router
from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import ExtractYear

from clb.members import figures as member_figures
from clb.network.models import Branch, BranchKind
from clb.services.models import (
    Activity,
    ActivityTally,
    IdoContact,
    IdoContactTheme,
    IdoTally,
    ParticipantCount,
    ParticipantTally,
    StaffYear,
)
from clb.statistics.models import (
    CirculationEvent,
    MemberCount,
    MemberCountRun,
    PlaceTally,
    ResidenceTally,
)
from clb.statistics.tallies import next_half_year

from .regions import Geography


@dataclass(frozen=True)
class Fact:
    dims: tuple[str, ...]
    values: tuple[str, ...]
    stock: bool = False  # a state on a day (the period's last), not a flow summed over time
    per_municipality: bool = False  # rows carry no organisation
    # When nothing was reported the figure is unknown (shown as "–"), not zero: "period" — no
    # member count was taken in the period at all; "organisation" — the organisations of a
    # region registered nothing (staff).
    reported: str | None = None


FACTS = {
    "place_events": Fact(("action", "audience", "material_type"), ("n",)),
    "residence_events": Fact(("action", "age_band"), ("n",)),
    "members": Fact(("age_band",), ("memberships", "patrons"), stock=True, reported="period"),
    "ido_channel": Fact(("channel",), ("n",)),
    "ido_body": Fact(("government_body",), ("n",)),
    "ido_referral": Fact(("referred_to",), ("n",)),
    "ido_helped": Fact((), ("n",)),
    "ido_theme": Fact(("theme",), ("n",)),
    "activities": Fact(("programme", "wsob_function", "is_course"), ("n", "sessions")),
    "participants": Fact(("programme", "wsob_function", "is_course", "target_group"), ("n",)),
    "branches": Fact(("kind",), ("n", "hours"), stock=True),
    "branch_changes": Fact(("change", "kind"), ("n",)),
    "municipality_network": Fact(("has_vestiging",), ("n",), stock=True, per_municipality=True),
    "staff": Fact(
        (),
        ("staff_persons", "staff_fte", "volunteers", "staff_trained"),
        stock=True,
        reported="organisation",
    ),
    "youth_fee": Fact((), ("n",), stock=True),
    "population": Fact(
        (),
        ("inhabitants", "inhabitants_0_17", "inhabitants_18_plus"),
        stock=True,
        per_municipality=True,
    ),
}

# Facts read with SQL GROUP BY, which can come summed over a region (see Facts.rows).
FOCUSABLE = {
    "place_events",
    "residence_events",
    "members",
    "ido_channel",
    "ido_body",
    "ido_referral",
    "ido_helped",
    "ido_theme",
    "activities",
    "participants",
}
WHOLE = "*"  # the municipality of rows summed over a focus region

# Facts read from a tally, and which: on PostgreSQL the groupings of one tally a page is
# expected to ask for are read together, one scan with GROUPING SETS (see Facts.expect).
IDO_FACTS = {
    "ido_channel": "channel",
    "ido_body": "government_body",
    "ido_referral": "referred_to",
    "ido_helped": "helped",
    "ido_theme": "theme",
}
TALLY_OF = {"place_events": PlaceTally, "residence_events": ResidenceTally} | {
    fact: IdoTally for fact in IDO_FACTS
}

_use_raw = contextvars.ContextVar("cockpit_raw_events", default=False)


@contextlib.contextmanager
def raw_events():
    """Read circulation from the raw events instead of the tallies (benchmark, tests)."""
    token = _use_raw.set(True)
    try:
        yield
    finally:
        _use_raw.reset(token)


@dataclass(frozen=True)
class Scope:
    """What to fetch: None means no limit."""

    municipalities: frozenset[str] | None = None
    organisations: frozenset[int] | None = None


def half_end(half: date) -> date:
    return next_half_year(half) - timedelta(days=1)


def _half_columns(column: str) -> dict:
    return {
        "y": ExtractYear(column),
        "h": Case(
            When(**{f"{column}__month__lte": 6}, then=Value(1)),
            default=Value(7),
            output_field=IntegerField(),
        ),
    }


def _span(halves, column: str) -> Q:
    return Q(**{f"{column}__gte": min(halves), f"{column}__lte": half_end(max(halves))})


class Facts:
    """Rows of each fact source for one scope and set of half-years, each fetched once."""

    def __init__(self, geo: Geography, scope: Scope, halves, *, today: date):
        self.geo = geo
        self.scope = scope
        self.halves = sorted(set(halves))
        self.today = today
        self._cache: dict = {}
        self._available: dict[str, set] = {}
        self._by_municipality = True
        self._expected: list[tuple] = []

    def available_halves(self, fact: str) -> set | None:
        """For facts reported per period: the half-years that have a report at all."""
        if FACTS[fact].reported != "period":
            return None
        self.rows(fact, ())
        return self._available[fact]

    def rows(
        self,
        fact: str,
        dims: tuple[str, ...] | None = None,
        only=None,
        with_org: bool = True,
        focus: Scope | None = None,
    ) -> list[tuple]:
        """Rows (half, municipality, organisation, *dims, *values). To keep them few, `dims`
        limits the grouping to the dimensions a caller needs, `only` ({dim: values}) to the
        values it needs, and without `with_org` rows of the large sources are summed over
        organisations (organisation None) when no organisation is being looked at. With a
        `focus` (the scope of one region) a fact in FOCUSABLE comes summed over that region:
        municipality WHOLE — enough for breakdowns shown for that region only."""
        key = self._key(fact, dims, only, with_org, focus)
        fact, dims, only, with_org, focus = key
        only = dict(only)
        if fact in TALLY_OF and self._together():
            if key not in self._cache:
                self._read_together(TALLY_OF[fact], key)
            ASKED.setdefault(self._shape(TALLY_OF[fact]), set()).add(_role(key))
        if key not in self._cache:
            saved = self.scope, self._by_municipality
            if focus is not None:
                self.scope, self._by_municipality = focus, False
            try:
                self._cache[key] = getattr(self, f"_{fact}")(dims, only, with_org)
            finally:
                self.scope, self._by_municipality = saved
        return self._cache[key]

    @staticmethod
    def _key(fact, dims, only, with_org, focus) -> tuple:
        """A request as rows() keeps it: the fact's own dimensions in its order, filters on
        those only, no focus for a fact that cannot be summed over one."""
        spec = FACTS[fact]
        dims = spec.dims if dims is None else tuple(d for d in spec.dims if d in dims)
        only = {d: tuple(sorted(v)) for d, v in (only or {}).items() if d in dims}
        focus = focus if fact in FOCUSABLE else None
        return (fact, dims, tuple(sorted(only.items())), with_org, focus)

    def expect(self, requests) -> None:
        """The requests (fact, dims, only, with_org, focus) a caller is going to make: on
        PostgreSQL the first one of a tally reads all of that tally's together."""
        self._expected = [self._key(*r) for r in requests if r[0] in TALLY_OF]

    def _shape(self, tally) -> tuple:
        """What was expected of a tally, whatever the regions: pages of one shape ask alike."""
        return (tally._meta.db_table, frozenset(_role(k) for k in self._expected))

    def _together(self) -> bool:
        return bool(self._expected) and connection.vendor == "postgresql" and not _use_raw.get()

    def _once(self, name: str, compute):
        """What `compute()` gives, computed the first time this Facts asks for `name`."""
        if name not in self._cache:
            self._cache[name] = compute()
        return self._cache[name]

    # --- several groupings of one tally in one scan (PostgreSQL) ------------------------------

    def _grouping(self, key: tuple) -> tuple["Grouping", tuple]:
        """The grouping a request reads from its tally, and where rows() keeps what it read."""
        fact, dims, only, with_org, focus = key
        if fact not in IDO_FACTS:
            return Grouping(dims, only, with_org, focus), key
        # One IDO read serves every dimension (see _ido): by value when the fact has dims.
        by_value = ("dimension", "value") if dims else ("dimension",)
        scope = focus if focus is not None else self.scope
        return Grouping(by_value, (), with_org, focus), (
            "ido_tally", with_org, scope, focus is None, bool(dims)
        )  # fmt: skip

    def _read_together(self, tally, asked: tuple) -> None:
        """Read the groupings expected of `tally` (and `asked`) with one statement: GROUP BY
        GROUPING SETS, one set per grouping, under the filters all of them share (what only
        some filter on is filtered here), each grouping summed over its own scope. Each
        grouping's rows are kept as rows() would have read it alone. Scopes by organisation
        are read one grouping at a time."""
        expected = [k for k in self._expected if TALLY_OF[k[0]] is tally]
        # Of what is expected, what pages of this shape asked for before (all, the first time):
        # a grouping planned for every indicator but shown on none is not read.
        seen = ASKED.get(self._shape(tally))
        if seen is not None:
            expected = [k for k in expected if _role(k) in seen]
        wanted = dict(self._grouping(k) for k in dict.fromkeys([asked, *expected]))
        groupings = [g for g, kept_as in wanted.items() if kept_as not in self._cache]
        scopes = [g.focus if g.focus is not None else self.scope for g in groupings]
        if len(groupings) < 2 or any(sc.organisations is not None for sc in scopes):
            return
        codes = None  # the statement's municipalities (None: all)
        if all(sc.municipalities is not None for sc in scopes):
            codes = frozenset().union(*(sc.municipalities for sc in scopes))
        # A grouping summed over fewer municipalities than the statement reads groups by
        # whether a row lies in them: a marker column per such scope.
        markers: dict = {}
        for g, sc in zip(groupings, scopes, strict=True):
            if g.focus is not None and sc.municipalities not in (None, codes):
                markers.setdefault(sc.municipalities, f"in_{len(markers)}")
        dims = list(dict.fromkeys(d for g in groupings for d in g.dims))
        filters = [dict(g.only) for g in groupings]
        shared = {
            d: sorted(set().union(*(f[d] for f in filters)))
            for d in dims
            if all(d in f for f in filters)
        }
        sets = [
            ("half_year",)
            + (() if g.focus is not None else ("municipality_code",))
            + g.dims
            + (("organisation_id",) if g.with_org else ())
            + ((markers[sc.municipalities],) if sc.municipalities in markers else ())
            for g, sc in zip(groupings, scopes, strict=True)
        ]
        # Only what some set groups by can be selected, and asked GROUPING() of.
        every = ["half_year", "municipality_code", "organisation_id", *dims]
        select = [c for c in every + list(markers.values()) if any(c in own for own in sets)]
        params: list = []
        marked = ""
        for scope_codes, name in markers.items():
            marked += f", municipality_code IN ({_marks(scope_codes)}) AS {name}"
            params += sorted(scope_codes)
        where = [f"half_year IN ({_marks(self.halves)})"]
        params += list(self.halves)
        if codes is not None:
            where.append(f"municipality_code IN ({_marks(codes)})")
            params += sorted(codes)
        for d, values in shared.items():
            where.append(f"{d} IN ({_marks(values)})")
            params += values
        # The markers are columns of a derived table, so that GROUP BY and GROUPING() name them.
        read = ", ".join(c for c in select if c in every)
        sql = (
            f"SELECT {', '.join(select)}, GROUPING({', '.join(select[1:])}), SUM(n)"
            f" FROM (SELECT {read}, n{marked} FROM {tally._meta.db_table}"
            f" WHERE {' AND '.join(where)}) t GROUP BY GROUPING SETS"
            f" ({', '.join('(' + ', '.join(own) + ')' for own in dict.fromkeys(sets))})"
        )
        # Where the ORM would read the tally: a replica when the page may be a moment stale.
        with connections[router.db_for_read(tally)].cursor() as cursor:
            cursor.execute(sql, params)
            result = cursor.fetchall()
        at = {c: i for i, c in enumerate(select)}
        by_set: dict = defaultdict(list)  # GROUPING(): a bit per column the set leaves out
        for row in result:
            by_set[row[len(select)]].append(row)
        for g, sc, own in zip(groupings, scopes, sets, strict=True):
            left_out = [c not in own for c in select[1:]]
            rows = by_set.get(sum(1 << i for i, out in enumerate(reversed(left_out)) if out), [])
            if sc.municipalities in markers:
                rows = [r for r in rows if r[at[markers[sc.municipalities]]]]
            elif g.focus is None and sc.municipalities is not None:
                rows = [r for r in rows if r[at["municipality_code"]] in sc.municipalities]
            self._cache[wanted[g]] = (
                _ido_split(rows, g, at) if tally is IdoTally else _tally_rows(rows, g, at)
            )

    # --- scope -------------------------------------------------------------------------------

    def _scoped(self, queryset, municipality_path: str, organisation_path: str = "organisation"):
        if self.scope.organisations is not None:
            return queryset.filter(**{f"{organisation_path}__in": self.scope.organisations})
        if self.scope.municipalities is not None:
            return queryset.filter(**{f"{municipality_path}__in": self.scope.municipalities})
        return queryset

    def _in_scope(self, municipality: str, organisation: int | None) -> bool:
        if self.scope.organisations is not None and organisation is not None:
            return organisation in self.scope.organisations
        if self.scope.municipalities is not None:
            return municipality in self.scope.municipalities
        return True

    def _grouped(
        self, queryset, half_key, municipality, dims, values: dict, only=None, with_org=True
    ) -> list[tuple]:
        """Run a GROUP BY and shape its rows; half_key is a column or the (y, h) pair."""
        for d, wanted in (only or {}).items():
            queryset = queryset.filter(**{f"{d}__in": wanted})
        halves = [half_key] if isinstance(half_key, str) else list(half_key)
        by_muni = [municipality] if self._by_municipality else []
        group = halves + by_muni + (["organisation_id"] if with_org else []) + list(dims)
        out = []
        rows = queryset.values(*group).annotate(**values).values_list(*group, *values)
        for row in rows.order_by():
            i = len(halves)
            half = row[0] if i == 1 else date(row[0], row[1], 1)
            muni = (row[i] or "") if by_muni else WHOLE
            i += len(by_muni)
            org = row[i] if with_org else None
            i += 1 if with_org else 0
            out.append(
                (half, muni, org)
                + row[i : i + len(dims)]
                + tuple(v or 0 for v in row[i + len(dims) :])
            )
        return out

    # --- circulation ---------------------------------------------------------------------------

    def _place_events(self, dims, only=None, with_org=True):
        if _use_raw.get():
            qs = CirculationEvent.objects.filter(
                _span(self.halves, "occurred_on"), branch__isnull=False
            ).annotate(**_half_columns("occurred_on"))
            qs = self._scoped(qs, "branch__municipality__code")
            rows = self._grouped(
                qs,
                ("y", "h"),
                "branch__municipality__code",
                dims,
                {"n": Count("id")},
                only,
                with_org,
            )
            return [r for r in rows if r[0] in self.halves]
        # The tally keeps its branch's municipality: no join with branches and municipalities.
        qs = self._scoped(PlaceTally.objects.filter(half_year__in=self.halves), "municipality_code")
        return self._grouped(
            qs, "half_year", "municipality_code", dims, {"n": Sum("n")}, only, with_org
        )

    def _residence_events(self, dims, only=None, with_org=True):
        if _use_raw.get():
            qs = CirculationEvent.objects.filter(_span(self.halves, "occurred_on")).annotate(
                **_half_columns("occurred_on")
            )
            qs = self._scoped(qs, "municipality_code")
            rows = self._grouped(
                qs, ("y", "h"), "municipality_code", dims, {"n": Count("id")}, only, with_org
            )
            return [r for r in rows if r[0] in self.halves]
        qs = self._scoped(
            ResidenceTally.objects.filter(half_year__in=self.halves), "municipality_code"
        )
        return self._grouped(
            qs, "half_year", "municipality_code", dims, {"n": Sum("n")}, only, with_org
        )

    def _member_count_days(self) -> dict[date, date]:
        """{half-year: the day of its last member count}, looked up once."""
        return self._once("member_count_days", self._find_member_count_days)

    def _find_member_count_days(self) -> dict[date, date]:
        dates = (
            MemberCountRun.objects.filter(
                taken_on__gte=min(self.halves), taken_on__lte=half_end(max(self.halves))
            )
            .values_list("taken_on", flat=True)
            .distinct()
        )
        chosen: dict[date, date] = {}
        for day in dates:
            for half in self.halves:
                if half <= day <= half_end(half) and day > chosen.get(half, date.min):
                    chosen[half] = day
        return chosen

    def _members(self, dims, only=None, with_org=True):
        """The last member count taken in each half-year (up to its end)."""
        chosen = self._member_count_days()
        self._available["members"] = set(chosen)
        if not chosen:
            return []
        half_of = {day: half for half, day in chosen.items()}
        qs = self._scoped(
            MemberCount.objects.filter(taken_on__in=list(half_of)), "municipality_code"
        )
        rows = self._grouped(
            qs,
            "taken_on",
            "municipality_code",
            dims,
            {"memberships": Sum("memberships"), "patrons": Sum("patrons")},
            only,
        )
        return [(half_of[r[0]],) + r[1:] for r in rows]

    # --- registrations -------------------------------------------------------------------------

    # IDO: the tally counts contacts per value of each dimension separately; one query reads
    # all dimensions, each fact takes its own. Raw, each fact is a GROUP BY over the contacts.

    def _ido_channel(self, dims, only=None, with_org=True):
        return self._ido("channel", dims, only, with_org)

    def _ido_body(self, dims, only=None, with_org=True):
        return self._ido("government_body", dims, only, with_org)

    def _ido_referral(self, dims, only=None, with_org=True):
        return self._ido("referred_to", dims, only, with_org)

    def _ido_helped(self, dims, only=None, with_org=True):
        return self._ido("helped", dims, only, with_org)

    def _ido_theme(self, dims, only=None, with_org=True):
        return self._ido("theme", dims, only, with_org)

    def _ido(self, dimension: str, dims, only, with_org):
        if _use_raw.get():
            return self._ido_raw(dimension, dims, only, with_org)
        key = ("ido_tally", with_org, self.scope, self._by_municipality, bool(dims))
        if key not in self._cache:
            qs = self._scoped(
                IdoTally.objects.filter(half_year__in=self.halves), "municipality_code"
            )
            by_muni = ["municipality_code"] if self._by_municipality else []
            group = ["half_year", *by_muni, "dimension"] + (["value"] if dims else [])
            group += ["organisation_id"] if with_org else []
            split: dict = defaultdict(list)
            for row in qs.values(*group).annotate(total=Sum("n")).order_by():
                split[row["dimension"]].append(
                    (
                        row["half_year"],
                        row["municipality_code"] if by_muni else WHOLE,
                        row["organisation_id"] if with_org else None,
                        row.get("value"),
                        row["total"],
                    )
                )
            self._cache[key] = split
        rows = self._cache[key].get(dimension, [])
        if dims:
            wanted = (only or {}).get(dimension)
            return [r for r in rows if wanted is None or r[3] in wanted]
        totals: dict = defaultdict(int)
        for half, muni, org, _value, n in rows:
            totals[(half, muni, org)] += n
        return [key + (n,) for key, n in totals.items()]

    def _ido_raw(self, dimension: str, dims, only, with_org):
        if dimension == "theme":
            qs = IdoContactTheme.objects.filter(_span(self.halves, "contact__occurred_on"))
            qs = qs.annotate(
                **_half_columns("contact__occurred_on"),
                organisation_id=F("contact__organisation_id"),
            )
            qs = self._scoped(qs, "contact__branch__municipality__code", "contact__organisation")
            muni = "contact__branch__municipality__code"
        else:
            qs = IdoContact.objects.filter(_span(self.halves, "occurred_on")).annotate(
                **_half_columns("occurred_on")
            )
            if dimension == "helped":
                qs = qs.filter(helped=True)
            if dimension == "referred_to":
                qs = qs.exclude(referred_to="")
            qs = self._scoped(qs, "branch__municipality__code")
            muni = "branch__municipality__code"
        rows = self._grouped(qs, ("y", "h"), muni, dims, {"n": Count("id")}, only, with_org)
        return [r for r in rows if r[0] in self.halves]

    def _activities(self, dims, only=None, with_org=True):
        if _use_raw.get():
            qs = Activity.objects.filter(_span(self.halves, "starts_on")).annotate(
                **_half_columns("starts_on")
            )
            half, values = ("y", "h"), {"n": Count("id"), "sessions": Sum("sessions")}
        else:
            qs = ActivityTally.objects.filter(half_year__in=self.halves)
            half, values = "half_year", {"n": Sum("n"), "sessions": Sum("sessions")}
        qs = self._scoped(qs, "municipality__code")
        rows = self._grouped(qs, half, "municipality__code", dims, values, only, with_org)
        return [r for r in rows if r[0] in self.halves]

    def _participants(self, dims, only=None, with_org=True):
        if _use_raw.get():
            qs = ParticipantCount.objects.filter(_span(self.halves, "activity__starts_on"))
            qs = qs.annotate(
                **_half_columns("activity__starts_on"),
                organisation_id=F("activity__organisation_id"),
                programme=F("activity__programme"),
                wsob_function=F("activity__wsob_function"),
                is_course=F("activity__is_course"),
            )
            qs = self._scoped(qs, "activity__municipality__code", "activity__organisation")
            muni, half, n = "activity__municipality__code", ("y", "h"), Sum("count")
        else:
            qs = self._scoped(
                ParticipantTally.objects.filter(half_year__in=self.halves), "municipality__code"
            )
            muni, half, n = "municipality__code", "half_year", Sum("n")
        rows = self._grouped(qs, half, muni, dims, {"n": n}, only, with_org)
        return [r for r in rows if r[0] in self.halves]

    def _staff(self, dims, only=None, with_org=True):
        rows = []
        years = {h.year for h in self.halves}
        staff_years = self._once(
            "staff_years",
            lambda: list(
                StaffYear.objects.filter(year__in=years).values_list(
                    "organisation_id",
                    "year",
                    "staff_persons",
                    "staff_fte",
                    "volunteers",
                    "staff_trained",
                )
            ),
        )
        for org_id, year, persons, fte, volunteers, trained in staff_years:
            for half in self.halves:
                if half.year != year:
                    continue
                for muni, share in self._working_area_shares(org_id):
                    if self._in_scope(muni, org_id):
                        rows.append(
                            (half, muni, org_id)
                            + tuple(float(v) * share for v in (persons, fte, volunteers, trained))
                        )
        return rows

    def _youth_fee(self, dims, only=None, with_org=True):
        charging = self._once("charging_youth", member_figures.organisations_charging_youth)
        rows = []
        for org_id in charging:
            for muni, _share in self._working_area_shares(org_id):
                if self._in_scope(muni, org_id):
                    rows += [(half, muni, org_id, 1) for half in self.halves]
        return rows

    def _working_area_shares(self, org_id: int) -> list[tuple[str, float]]:
        """An organisation's figure spread over its municipalities by inhabitants."""
        area = [
            self.geo.municipalities[c]
            for c in self.geo.organisations[org_id].municipalities
            if c in self.geo.municipalities
        ]
        total = sum(m.inhabitants for m in area)
        if not total:
            return [("", 1.0)]
        return [(m.code, m.inhabitants / total) for m in area]

    # --- network -------------------------------------------------------------------------------

    def _day_of(self, half: date) -> date:
        """A stock is read on the half-year's last day, or today while it is running."""
        return min(half_end(half), self.today)

    def _branch_list(self):
        return self._once(
            "branch_list",
            lambda: list(
                Branch.objects.values_list(
                    "organisation_id",
                    "municipality__code",
                    "kind",
                    "staffed_hours_week",
                    "opened_on",
                    "closed_on",
                )
            ),
        )

    @staticmethod
    def _open(opened, closed, day) -> bool:
        return (opened is None or opened <= day) and (closed is None or closed > day)

    def _branches(self, dims, only=None, with_org=True):
        acc = defaultdict(lambda: [0, 0.0])
        for org, muni, kind, hours, opened, closed in self._branch_list():
            muni = muni or ""
            if not self._in_scope(muni, org):
                continue
            for half in self.halves:
                if self._open(opened, closed, self._day_of(half)):
                    key = (half, muni, org) + ((kind,) if dims else ())
                    acc[key][0] += 1
                    acc[key][1] += float(hours)
        return [key + tuple(v) for key, v in acc.items()]

    def _branch_changes(self, dims, only=None, with_org=True):
        acc = defaultdict(int)
        for org, muni, kind, _hours, opened, closed in self._branch_list():
            muni = muni or ""
            if not self._in_scope(muni, org):
                continue
            for change, day in (("opened", opened), ("closed", closed)):
                for half in self.halves:
                    if day and half <= day <= half_end(half):
                        values = {"change": change, "kind": kind}
                        acc[(half, muni, org) + tuple(values[d] for d in dims)] += 1
        return [key + (n,) for key, n in acc.items()]

    def _municipality_network(self, dims, only=None, with_org=True):
        rows = []
        for half in self.halves:
            day = self._day_of(half)
            with_vestiging = {
                muni
                for _org, muni, kind, _h, opened, closed in self._branch_list()
                if kind == BranchKind.VESTIGING and self._open(opened, closed, day)
            }
            for code in self.geo.municipalities:
                if self._in_scope(code, None):
                    rows.append(
                        (half, code, None) + ((code in with_vestiging,) if dims else ()) + (1,)
                    )
        return rows

    def _population(self, dims, only=None, with_org=True):
        return [
            (
                half,
                m.code,
                None,
                m.inhabitants,
                m.inhabitants_0_17,
                m.inhabitants - m.inhabitants_0_17,
            )
            for half in self.halves
            for m in self.geo.municipalities.values()
            if self._in_scope(m.code, None)
        ]


# Per process, by shape (Facts._shape): the groupings pages asked of a tally (_role). Only
# what is read together depends on it, never a figure; shapes are few (one per kind of page).
ASKED: dict[tuple, set] = {}


def _role(key: tuple) -> tuple:
    """A request without its scope: summed over the focus region or per municipality."""
    fact, dims, only, with_org, focus = key
    return (fact, dims, only, with_org, focus is not None)


class Grouping(NamedTuple):
    """One GROUP BY of a tally: its dimensions, filters on them ((dim, values), …), whether
    per organisation, and the scope it is summed over (None: per municipality)."""

    dims: tuple
    only: tuple
    with_org: bool
    focus: Scope | None


def _marks(values) -> str:
    return ", ".join(["%s"] * len(values))


def _tally_rows(rows, g: Grouping, at: dict) -> list[tuple]:
    """Rows of a circulation tally read together, as Facts._grouped gives them."""
    checks = [(at[d], set(values)) for d, values in g.only]
    total = len(at) + 1
    return [
        (r[0], WHOLE if g.focus is not None else (r[at["municipality_code"]] or ""))
        + (r[at["organisation_id"]] if g.with_org else None,)
        + tuple(r[at[d]] for d in g.dims)
        + (int(r[total] or 0),)
        for r in rows
        if all(r[i] in wanted for i, wanted in checks)
    ]


def _ido_split(rows, g: Grouping, at: dict) -> dict:
    """Rows of the IDO tally read together, split by dimension as Facts._ido keeps them."""
    split: dict = defaultdict(list)
    total = len(at) + 1
    for r in rows:
        split[r[at["dimension"]]].append(
            (
                r[0],
                WHOLE if g.focus is not None else r[at["municipality_code"]],
                r[at["organisation_id"]] if g.with_org else None,
                r[at["value"]] if "value" in g.dims else None,
                int(r[total] or 0),
            )
        )
    return split
