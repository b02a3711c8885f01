"""The national catalogue's behaviour, one import away: MARC import with deduplication
(importer), undoing a merge (merges), MARC export (export)."""

from .errors import CatalogueError
from .export import ExportReport, export, export_marc
from .importer import ImportReport, RecordError, import_marc
from .merges import undo_merge
from .reading import FileUnreadable

__all__ = [
    "CatalogueError",
    "ExportReport",
    "FileUnreadable",
    "ImportReport",
    "RecordError",
    "export",
    "export_marc",
    "import_marc",
    "undo_merge",
]
