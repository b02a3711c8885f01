"""Pieces the benchmarks share: recording the SQL clb sends (to replay it raw) and percentiles."""


class Recorder:
    """A connection.execute_wrapper that keeps every statement with its parameters."""

    def __init__(self):
        self.statements: list = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append((sql, params))
        return execute(sql, params, many, context)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]
