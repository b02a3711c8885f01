"""The national list of item types, loaded by `clb load-reference`."""

from .models import ItemType, MaterialType

ITEM_TYPES = [
    ("boek", "Boek", MaterialType.BOOK),
    ("jeugdboek", "Jeugdboek", MaterialType.BOOK),
    ("prentenboek", "Prentenboek", MaterialType.BOOK),
    ("luisterboek", "Luisterboek", MaterialType.AUDIOBOOK),
    ("dvd", "Dvd", MaterialType.DVD),
    ("cd", "Muziek-cd", MaterialType.MUSIC),
    ("tijdschrift", "Tijdschrift", MaterialType.MAGAZINE),
    ("spel", "Spel", MaterialType.GAME),
]


def install_item_types() -> int:
    for code, name, material in ITEM_TYPES:
        ItemType.objects.update_or_create(
            code=code, defaults={"name": name, "material_type": material}
        )
    return len(ITEM_TYPES)
