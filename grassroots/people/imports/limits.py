"""What an import file may be, from the deployment's settings (the reader's ``Limits``).

``IMPORT_MAX_COLUMNS`` (500), ``IMPORT_MAX_DECOMPRESSED_SIZE`` (20 GB),
``IMPORT_MAX_COMPRESSION_RATIO`` (200) and ``IMPORT_MAX_ROWS`` (50 million): every entrance —
the screens, the API, ``grassroots import`` and the import job — reads files with these, so a
file past one is refused at upload where that can be known (columns, a compressed file's
declared size) and stopped while it is read otherwise (rows, a compressed file that lies).
"""

from __future__ import annotations

from django.conf import settings

from grassroots.people.imports.reader import (
    MAX_COLUMNS,
    MAX_DECOMPRESSED,
    MAX_RATIO,
    MAX_ROWS,
    Limits,
)


def import_limits() -> Limits:
    return Limits(
        max_columns=int(getattr(settings, "IMPORT_MAX_COLUMNS", MAX_COLUMNS)),
        max_decompressed=int(getattr(settings, "IMPORT_MAX_DECOMPRESSED_SIZE", MAX_DECOMPRESSED)),
        max_ratio=float(getattr(settings, "IMPORT_MAX_COMPRESSION_RATIO", MAX_RATIO)),
        max_rows=int(getattr(settings, "IMPORT_MAX_ROWS", MAX_ROWS)),
    )
