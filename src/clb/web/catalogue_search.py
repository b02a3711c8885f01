"""The OPAC's way to the catalogue search (owned by the catalogue room)."""

from clb.catalogue.search import FILTERS as FILTER_KEYS
from clb.catalogue.search import SearchError, search

__all__ = ["FILTER_KEYS", "SearchError", "search"]
