"""Uploaded files, before and while they become an import.

The screens keep an upload *staged* between the upload and the mapping step (the file is read
for its header and first rows, then mapped); the API hands an upload straight to
``import_create``. Both go through the same size and emptiness checks, with the same messages.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from grassroots.people.imports import services
from grassroots.people.imports.limits import import_limits
from grassroots.people.imports.reader import ImportFileError, Row, preview
from grassroots.people.imports.templates import import_template_save, template_name_check
from grassroots.people.models import ImportBatch

MAX_UPLOAD = 4 * 1024**3  # 4 GB
STAGED_FOR = 2 * 24 * 3600  # an upload nobody mapped is removed after two days
PREVIEW_ROWS = 10
# The mapping screen renders a row per column: never more than this many, whatever the
# import limits allow (a wider file is mapped with a mapping file, through the API or CLI).
MAP_MAX_COLUMNS = 1000
PREVIEW_CHARS = 200  # of each value shown in the preview and the samples


def max_upload() -> int:
    """The largest file the screens and the API take (``IMPORT_MAX_UPLOAD_SIZE``, 4 GB by
    default; the command line takes any size)."""
    return int(getattr(settings, "IMPORT_MAX_UPLOAD_SIZE", MAX_UPLOAD))


def upload_check(upload: UploadedFile) -> None:
    """The checks every upload passes, UI and API alike."""
    if upload.size == 0:
        raise ValidationError(_("The file is empty."))
    limit = max_upload()
    if upload.size > limit:
        if limit == MAX_UPLOAD:
            raise ValidationError(
                _("The file is larger than 4 GB; split it or use the command line.")
            )
        raise ValidationError(
            _("The file is larger than %(limit)s; split it or use the command line.")
            % {"limit": filesizeformat(limit)}
        )


def _suffix(name: str) -> str:
    return "".join(Path(name).suffixes)[-12:]


@contextlib.contextmanager
def upload_on_disk(upload: UploadedFile) -> Iterator[Path]:
    """A path to the upload's bytes: Django's temporary file for a large upload (it streamed
    to disk as it arrived), else a temporary copy written in 1 MB chunks."""
    if hasattr(upload, "temporary_file_path"):
        yield Path(upload.temporary_file_path())
        return
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=_suffix(upload.name or "")) as tmp:
        for chunk in upload.chunks(1 << 20):
            tmp.write(chunk)
        tmp.flush()
        yield Path(tmp.name)


# --- staged uploads (the mapping step) --------------------------------------------------------


@dataclass
class Staged:
    token: str
    path: Path
    filename: str
    template: str
    user_id: int | None
    mapping: dict | None = None  # the mapping to start from (re-mapping a checked file)

    def preview(self) -> tuple[list[str], list[Row]]:
        """The header and the first rows (a file that cannot be read raises ValidationError)."""
        try:
            sheet, rows = preview(self.path, PREVIEW_ROWS, limits=import_limits())
        except ImportFileError as exc:
            raise ValidationError(str(exc))
        if len(sheet.headers) > MAP_MAX_COLUMNS:
            raise ValidationError(
                _(
                    "The file has %(count)s columns; this screen maps at most %(limit)s. Import "
                    "it with a mapping file through the API or the command line."
                )
                % {"count": len(sheet.headers), "limit": MAP_MAX_COLUMNS}
            )
        for row in rows:  # a preview, not the data: long values are cut
            row.values = {h: v[:PREVIEW_CHARS] for h, v in row.values.items()}
        return sheet.headers, rows


def _staging_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "staged"


def _sweep(directory: Path) -> None:
    """Remove staged uploads older than STAGED_FOR (nobody came back to map them)."""
    cutoff = time.time() - STAGED_FOR
    for p in directory.glob("*"):
        with contextlib.suppress(OSError):
            if p.stat().st_mtime < cutoff:
                p.unlink()


def _stage(*, actor: Any, chunks, filename: str, template: str, mapping: dict | None) -> Staged:
    directory = _staging_dir()
    directory.mkdir(parents=True, exist_ok=True)
    _sweep(directory)
    token = uuid.uuid4().hex
    path = directory / f"{token}{_suffix(filename)}"
    with open(path, "wb") as out:
        for chunk in chunks:
            out.write(chunk)
    staged = Staged(
        token=token,
        path=path,
        filename=(filename or path.name)[:255],
        template=template,
        user_id=getattr(actor, "pk", None),
        mapping=mapping,
    )
    try:
        staged.preview()
    except ValidationError:
        path.unlink(missing_ok=True)
        raise
    meta = {
        "file": path.name,
        "filename": staged.filename,
        "template": template,
        "user": staged.user_id,
        "mapping": mapping,
    }
    (directory / f"{token}.json").write_text(json.dumps(meta))
    return staged


def stage_upload(*, actor: Any, upload: UploadedFile, template: str = "") -> Staged:
    """Keep an upload for the mapping step; refuses a file that cannot be read (the message
    says why) so nobody maps a file that will never import."""
    upload_check(upload)
    return _stage(
        actor=actor,
        chunks=upload.chunks(1 << 20),
        filename=upload.name or "",
        template=template,
        mapping=None,
    )


def stage_batch_file(*, actor: Any, batch: ImportBatch) -> Staged:
    """Map a checked file again: its kept copy, starting from the mapping it was checked with."""

    def chunks():
        with open(batch.stored_path, "rb") as src:
            while chunk := src.read(1 << 20):
                yield chunk

    try:
        return _stage(
            actor=actor,
            chunks=chunks(),
            filename=batch.filename,
            template=batch.template,
            mapping=batch.mapping,
        )
    except FileNotFoundError:
        raise ValidationError(_("The file of this import is no longer kept; upload it again."))


def staged_get(*, actor: Any, token: str) -> Staged | None:
    """The staged upload ``token`` if ``actor`` uploaded it (others get None, like missing)."""
    if not token.isalnum():
        return None
    meta_path = _staging_dir() / f"{token}.json"
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError):
        return None
    path = _staging_dir() / meta["file"]
    if meta.get("user") != getattr(actor, "pk", None) or not path.exists():
        return None
    return Staged(
        token=token,
        path=path,
        filename=meta["filename"],
        template=meta.get("template") or "",
        user_id=meta.get("user"),
        mapping=meta.get("mapping"),
    )


def staged_discard(staged: Staged) -> None:
    staged.path.unlink(missing_ok=True)
    (_staging_dir() / f"{staged.token}.json").unlink(missing_ok=True)


def import_check_staged(
    *,
    actor: Any,
    staged: Staged,
    mapping: dict,
    template: str = "",
    save_as: str = "",
    description: str = "",
) -> ImportBatch:
    """Check (dry-run) a staged upload with ``mapping``, saving the mapping as a template
    named ``save_as`` first when asked. Nothing is saved unless both succeed."""
    if save_as:
        template_name_check(save_as)
    with transaction.atomic():
        if save_as:
            template = import_template_save(
                actor=actor, name=save_as, mapping=mapping, description=description
            ).name
        batch = services.import_create(
            actor=actor,
            path=staged.path,
            filename=staged.filename,
            mapping=mapping,
            template=template,
            dry_run=True,
        )
        services.import_start(actor=actor, batch=batch)
    staged_discard(staged)
    return batch
