"""The national catalogue's behaviour, one import away: MARC import with deduplication
(importer), merging records and undoing a merge (merges), MARC export (export), what changed
since a moment (feed), copies on interlibrary loan (ill)."""

from .errors import CatalogueError
from .export import ExportReport, export, export_marc
from .ill import add_borrowed_copy, record_for_borrowed
from .importer import ImportReport, RecordError, import_marc
from .merges import merge_records, undo_merge
from .reading import FileUnreadable

__all__ = [
    "CatalogueError",
    "ExportReport",
    "FileUnreadable",
    "ImportReport",
    "RecordError",
    "export",
    "add_borrowed_copy",
    "export_marc",
    "import_marc",
    "merge_records",
    "record_for_borrowed",
    "undo_merge",
]
