"""Chart specifications for plotly.js (served by CLB itself): plain dicts, rendered in the
browser. Suppressed values are gaps with "< 10" on hover, never numbers."""

from django.utils.translation import gettext as _

from .engine import Figure
from .tables import SUPPRESSED, Table

ACCENT = "#0b5394"


def _y(f: Figure):
    return None if f.suppressed or f.value is None else round(f.value, max(f.indicator.decimals, 0))


def _hover(f: Figure) -> str:
    if f.suppressed:
        return SUPPRESSED
    if f.value is None:
        return _("geen gegevens")
    return f"{f.value:,.{f.indicator.decimals}f}".replace(",", " ")


def _layout(title: str, **extra) -> dict:
    return {
        "title": {"text": title, "font": {"size": 15}},
        "margin": {"l": 60, "r": 20, "t": 40, "b": 80},
        "height": 320,
        **extra,
    }


def no_data_message() -> str:
    return _("Geen gegevens voor deze regio en periode.")


def all_suppressed_message() -> str:
    return _("Alle aantallen zijn kleiner dan 10 en worden daarom niet getoond.")


def _said_empty(spec: dict, figures, *, suppressed_is_empty: bool = True) -> dict:
    """A chart without a single value to draw says why (the page shows the sentence instead of
    empty axes): there are no data, or every value is suppressed."""
    if any(_y(f) is not None for f in figures):
        return spec
    if not any(f.suppressed for f in figures):
        spec["empty"] = no_data_message()
    elif suppressed_is_empty:
        spec["empty"] = all_suppressed_message()
    return spec


def marked(spec: dict, figures) -> dict:
    """The chart's title says what its figures must be read with ("gesimuleerd", "register
    onvolledig …"), once."""
    caveats = list(dict.fromkeys(c for f in figures for c in f.caveats))
    if caveats:
        title = spec["layout"]["title"]
        title["text"] = f"{title['text']} ({'; '.join(caveats)})"
        spec["caveats"] = caveats
    return spec


def bar(indicator, figures: list[Figure]) -> dict:
    return _said_empty(_bar(indicator, figures), figures)


def _bar(indicator, figures: list[Figure]) -> dict:
    return {
        "data": [
            {
                "type": "bar",
                "x": [f.key_label for f in figures],
                "y": [_y(f) for f in figures],
                "text": [_hover(f) for f in figures],
                "hovertemplate": "%{x}: %{text}<extra></extra>",
                "marker": {"color": ACCENT},
            }
        ],
        "layout": _layout(f"{indicator.name}", yaxis={"title": {"text": str(indicator.unit)}}),
    }


def parts_bar(indicator, pairs) -> dict:
    pairs = sorted(pairs, key=lambda p: p[0].name)
    return _said_empty(_parts_bar(indicator, pairs), [f for _r, f in pairs])


def _parts_bar(indicator, pairs) -> dict:
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [r.name for r, _f in pairs],
                "x": [_y(f) for _r, f in pairs],
                "text": [_hover(f) for _r, f in pairs],
                "hovertemplate": "%{y}: %{text}<extra></extra>",
                "marker": {"color": ACCENT},
            }
        ],
        "layout": _layout(
            f"{indicator.name} ({indicator.unit})",
            height=max(300, 22 * len(pairs) + 80),
            margin={"l": 160, "r": 20, "t": 40, "b": 40},
            yaxis={"autorange": "reversed"},
        ),
    }


def trend_lines(table: Table) -> dict:
    """One line per indicator of the trend table, each on its own small axis; an indicator
    without a single value in these half-years is named under the chart, not drawn."""
    halves = [row[0] for row in table.rows]
    columns = [
        (name, [row[2 + i] for row in table.rows]) for i, name in enumerate(table.headers[2:])
    ]
    series = [(n, v) for n, v in columns if any(not isinstance(x, str) for x in v)]
    empty = [n for n, v in columns if (n, v) not in series]
    if not series:
        suppressed = any(x == SUPPRESSED for _n, v in columns for x in v)
        return {
            "data": [],
            "layout": _layout(_("Ontwikkeling per halfjaar")),
            "empty": all_suppressed_message() if suppressed else no_data_message(),
        }
    data, layout = [], _layout(_("Ontwikkeling per halfjaar"), height=160 * len(series) + 60)
    step = 1 / len(series)
    for i, (name, values) in enumerate(series):
        axis = "" if i == 0 else str(i + 1)
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": name,
                "x": halves,
                "y": [float(v) if not isinstance(v, str) else None for v in values],
                "text": [str(v) for v in values],
                "hovertemplate": "%{x}: %{text}<extra>" + name + "</extra>",
                "xaxis": f"x{axis}",
                "yaxis": f"y{axis}",
            }
        )
        top = 1 - i * step
        layout[f"yaxis{axis}"] = {"domain": [top - step + 0.06, top - 0.04], "rangemode": "tozero"}
        layout.setdefault("annotations", []).append(
            {
                "text": name,
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": top - 0.01,
                "xanchor": "left",
                "yanchor": "top",
                "showarrow": False,
                "font": {"size": 12},
            }
        )
        layout[f"xaxis{axis}"] = {"anchor": f"y{axis}", "type": "category"}
    layout["showlegend"] = False
    layout["margin"] = {"l": 60, "r": 20, "t": 40, "b": 30}
    spec = {"data": data, "layout": layout}
    if empty:
        spec["missing"] = _("Zonder gegevens in deze halfjaren: %(names)s.") % {
            "names": ", ".join(empty)
        }
    return spec


def choropleth(pairs, indicator) -> dict:
    """Municipalities coloured by an indicator; suppressed ones grey. The browser adds the
    boundaries (GeoJSON served by CLB) before drawing."""
    shown = [(r, f) for r, f in pairs if _y(f) is not None]
    hidden = [(r, f) for r, f in pairs if _y(f) is None]
    data = [
        {
            "type": "choropleth",
            "featureidkey": "properties.code",
            "locations": [r.code for r, _f in shown],
            "z": [_y(f) for _r, f in shown],
            "text": [f"{r.name}: {_hover(f)}" for r, f in shown],
            "hovertemplate": "%{text}<extra></extra>",
            "colorscale": "Blues",
            "reversescale": True,
            "zmin": 0,
            "marker": {"line": {"width": 0.3, "color": "#fff"}},
            "colorbar": {"title": {"text": str(indicator.unit)}},
        }
    ]
    if hidden:
        data.append(
            {
                "type": "choropleth",
                "featureidkey": "properties.code",
                "locations": [r.code for r, _f in hidden],
                "z": [0] * len(hidden),
                "text": [f"{r.name}: {_hover(f)}" for r, f in hidden],
                "hovertemplate": "%{text}<extra></extra>",
                "colorscale": [[0, "#d0d0d0"], [1, "#d0d0d0"]],
                "showscale": False,
                "marker": {"line": {"width": 0.3, "color": "#fff"}},
            }
        )
    return _said_empty({
        "data": data,
        "layout": {
            "title": {"text": f"{indicator.name}", "font": {"size": 15}},
            "geo": {"fitbounds": "locations", "visible": False, "projection": {"type": "mercator"}},
            "margin": {"l": 0, "r": 0, "t": 40, "b": 0},
            "height": 560,
        },
    }, [f for _r, f in pairs], suppressed_is_empty=False)  # fmt: skip
