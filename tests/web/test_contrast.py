"""The colour pairs the stylesheet uses meet WCAG 2.1 AA: 4.5:1 for text, 3:1 for the focus ring
and control borders. Read from the stylesheet itself, so a colour change is checked."""

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[2] / "src/clb/web/static/clb/clb.css"
WHITE = "#ffffff"

TEXT_PAIRS = [
    ("--fg", "--bg"),
    ("--muted", "--bg"),
    ("--muted", "--soft"),
    ("--accent", "--bg"),
    ("--accent", "--info-bg"),
    ("--accent-dark", "--info-bg"),
    ("--err", "--bg"),
    ("--err", "--err-bg"),
    ("--ok", "--ok-bg"),
    ("--warn", "--warn-bg"),
    ("--fg", "--ok-bg"),
    ("--fg", "--warn-bg"),
    (WHITE, "--header"),
    (WHITE, "--accent"),
    (WHITE, "--accent-dark"),
    ("--focus-edge", "--focus"),  # the skip link when focused
]
NON_TEXT_PAIRS = [
    ("--focus", "--header"),  # the focus ring on the dark header
    ("--focus-edge", "--bg"),  # its dark edge on white pages
    ("#5f6670", "--bg"),  # input borders
]


def palette() -> dict[str, str]:
    root = CSS.read_text().split(":root", 1)[1].split("}", 1)[0]
    found = re.findall(r"(--[\w-]+):\s*#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b", root)
    return {name: "#" + (h if len(h) == 6 else "".join(c * 2 for c in h)) for name, h in found}


def luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def resolve(name: str, colours: dict) -> str:
    return colours[name] if name.startswith("--") else name


def test_the_contrast_formula():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize(("fg", "bg"), TEXT_PAIRS)
def test_text_contrast(fg, bg):
    colours = palette()
    assert contrast(resolve(fg, colours), resolve(bg, colours)) >= 4.5


@pytest.mark.parametrize(("fg", "bg"), NON_TEXT_PAIRS)
def test_non_text_contrast(fg, bg):
    colours = palette()
    assert contrast(resolve(fg, colours), resolve(bg, colours)) >= 3.0
