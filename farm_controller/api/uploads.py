"""Reading uploaded files without trusting their size."""

from __future__ import annotations

from fastapi import UploadFile

from farm_controller.errors import FieldProblem, Invalid


def read_limited(upload: UploadFile, limit: int, field: str) -> bytes:
    """The file's bytes, refusing (422 on `field`) anything over `limit` bytes.

    Reads at most `limit + 1` bytes, so a huge upload is never loaded whole.
    """
    upload.file.seek(0)
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        name = upload.filename or "file"
        raise Invalid(
            FieldProblem(field, f"{name}: larger than the limit of {limit} bytes", "too_large")
        )
    return data
