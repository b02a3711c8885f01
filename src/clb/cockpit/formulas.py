"""Indicator formulas: arithmetic (+ − × ÷, parentheses, numbers) over measure names.

Parsed with Python's own parser and evaluated by walking the tree, so a formula can never call
anything. A missing value or a division by zero makes the whole result None ("not applicable")."""

import ast
import operator
from functools import cache

_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


class FormulaError(ValueError):
    pass


@cache
def parse(formula: str) -> ast.expr:
    try:
        tree = ast.parse(formula, mode="eval").body
    except SyntaxError as exc:
        raise FormulaError(f"formula {formula!r}: {exc.msg}") from exc
    for node in ast.walk(tree):
        if not isinstance(
            node,
            (ast.BinOp, ast.UnaryOp, ast.USub, ast.UAdd, ast.Name, ast.Load, ast.Constant)
            + tuple(_OPS),
        ) or (isinstance(node, ast.Constant) and not isinstance(node.value, (int, float))):
            raise FormulaError(f"formula {formula!r}: {type(node).__name__} is not allowed")
    return tree


@cache
def names(formula: str) -> tuple[str, ...]:
    return tuple(sorted({n.id for n in ast.walk(parse(formula)) if isinstance(n, ast.Name)}))


def evaluate(formula: str, values: dict[str, float | None]) -> float | None:
    def walk(node):
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            value = values.get(node.id)
            return None if value is None else float(value)
        if isinstance(node, ast.UnaryOp):
            inner = walk(node.operand)
            return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
        left, right = walk(node.left), walk(node.right)
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Div) and right == 0:
            return None
        return _OPS[type(node.op)](left, right)

    return walk(parse(formula))
