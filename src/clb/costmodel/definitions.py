"""The building blocks (bouwstenen) and their parameters, read from data/model.json.

A block has levels; a level has cost drivers. A driver's quantity is a linear expression over the
size variables of the area (inhabitants, inhabitants 0–17, branches needed, …) and its cost is that
quantity times a parameter (hourly staff cost, cost per m², price per item …). Every parameter
carries its source and year; nothing of the model is a number in code."""

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

MODEL_FILE = Path(__file__).resolve().parent / "data" / "model.json"


@dataclass(frozen=True)
class Parameter:
    code: str
    value: Decimal
    unit: str
    year: int
    source: str
    estimate: bool


@dataclass(frozen=True)
class Driver:
    label: str
    parameter: str
    quantity: dict[str, Decimal]  # size variable (or "const") → coefficient
    unit: str


@dataclass(frozen=True)
class Level:
    code: str
    name: str
    drivers: tuple[Driver, ...]


@dataclass(frozen=True)
class Block:
    code: str
    name: str
    function: str
    priority: int
    levels: tuple[Level, ...]
    yield_label: str
    yields: dict[str, dict[str, Decimal]]

    def level(self, code: str) -> Level | None:
        return next((lv for lv in self.levels if lv.code == code), None)

    @property
    def level_codes(self) -> list[str]:
        return [lv.code for lv in self.levels]


@dataclass(frozen=True)
class Model:
    version: str
    size_variables: dict[str, str]
    parameters: dict[str, Parameter]
    blocks: tuple[Block, ...]

    def block(self, code: str) -> Block | None:
        return next((b for b in self.blocks if b.code == code), None)


def _coefficients(raw: dict) -> dict[str, Decimal]:
    return {name: Decimal(str(value)) for name, value in raw.items()}


def parse(data: dict) -> Model:
    """Build and check the model; a broken model file fails loudly at start-up, naming the place."""
    variables = dict(data["size_variables"])
    parameters = {
        code: Parameter(
            code,
            Decimal(str(p["value"])),
            p["unit"],
            int(p["year"]),
            p["source"],
            bool(p.get("estimate", False)),
        )
        for code, p in data["parameters"].items()
    }
    blocks = []
    for b in data["blocks"]:
        levels = []
        for lv in b["levels"]:
            drivers = []
            for d in lv["drivers"]:
                where = f"blocks.{b['code']}.levels.{lv['code']}.{d['label']}"
                if d["parameter"] not in parameters:
                    raise ValueError(f"{where}: unknown parameter {d['parameter']}")
                unknown = set(d["quantity"]) - set(variables) - {"const"}
                if unknown:
                    raise ValueError(f"{where}: unknown size variable {sorted(unknown)}")
                drivers.append(
                    Driver(d["label"], d["parameter"], _coefficients(d["quantity"]), d["unit"])
                )
            levels.append(Level(lv["code"], lv["name"], tuple(drivers)))
        yields = {code: _coefficients(expr) for code, expr in b["yields"]["per_level"].items()}
        blocks.append(
            Block(
                b["code"],
                b["name"],
                b["function"],
                int(b["priority"]),
                tuple(levels),
                b["yields"]["label"],
                yields,
            )
        )
    return Model(
        data["version"], variables, parameters, tuple(sorted(blocks, key=lambda x: x.priority))
    )


@cache
def model() -> Model:
    with open(MODEL_FILE, encoding="utf-8") as fh:
        return parse(json.load(fh))


def evaluate(expression: dict[str, Decimal], sizes: dict[str, Decimal]) -> Decimal:
    """Σ coefficient × size variable, with "const" standing for 1."""
    return sum(
        (
            coef * (Decimal(1) if name == "const" else sizes[name])
            for name, coef in expression.items()
        ),
        Decimal(0),
    )
