"""The OPAC's way to the catalogue search (owned by the catalogue room)."""

from clb.catalogue.search import FILTERS as FILTER_KEYS
from clb.catalogue.search import search

__all__ = ["FILTER_KEYS", "search"]
