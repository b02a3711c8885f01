"""The age bands of the anonymous statistics (covenant indicators): what an event or a member
count says about a person's age, and all it says."""

# [low, high) in years.
AGE_BANDS = [
    (0, 4, "0-3"),
    (4, 9, "4-8"),
    (9, 15, "9-14"),
    (15, 18, "15-17"),
    (18, 20, "18-19"),
    (20, 65, "20-64"),
    (65, 200, "65+"),
]
UNKNOWN = "unknown"


def band_for_age(age: int | None) -> str:
    if age is None:
        return UNKNOWN
    for low, high, code in AGE_BANDS:
        if low <= age < high:
            return code
    return UNKNOWN
