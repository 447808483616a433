"""Never a half-written output: write to a temporary name, prove it complete, then rename.

`os.replace` within one directory is atomic on every platform we ship to, so a reader (or a
PACS import folder watcher) sees either the old file, nothing, or the complete new file.

A writer does not always notice a full disk: Qt's PDF and PNG writers drop a failed write
and carry on, leaving a truncated file that looks like success. So before the rename the
temporary file is flushed to disk (fsync) and read back by format — a PDF must end with its
``%%EOF`` trailer, a PNG/JPEG must decode fully, a DICOM file must parse, a ZIP must pass its
CRC test, a CSV must be whole UTF-8 text ending in a line break. Anything else is an
ExportError, the temporary file is removed, and the caller records nothing (no audit entry for
an export that did not happen).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from photocompare.core.errors import ExportError
from photocompare.core.quiet import native_stderr_silenced

#: A read-back check: raise (anything) when the file at the path is not a complete output.
Verifier = Callable[[Path], None]


@contextlib.contextmanager
def atomic_output(
    path: str | os.PathLike[str], verify: Verifier | None = None
) -> Iterator[Path]:
    """Yield a temporary path next to `path`; rename it to `path` only if it is complete.

    `verify` reads the finished file back (default: chosen by the target's suffix, see
    `verifier_for`). On any failure the temporary file is removed and an ExportError naming
    the output is raised (other exceptions propagate as they are), so a failed export leaves
    nothing behind. Native libraries' own complaints (libpng's "Write Error") go to the log,
    not the terminal: the user gets one line.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"{target}: folder does not exist")
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.stem[:40]}.", suffix=f".partial{target.suffix}", dir=folder
        )
    except OSError as exc:
        raise ExportError(f"{target}: cannot write here ({_reason(exc)})") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    _give_default_permissions(tmp)
    check = verify if verify is not None else verifier_for(target)
    try:
        with native_stderr_silenced():
            yield tmp
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise ExportError(f"{target}: nothing was written (is the disk full?)")
        _flush_to_disk(tmp)
        if check is not None:
            try:
                check(tmp)
            except Exception as exc:  # noqa: BLE001 - whatever the reader says, it is incomplete
                raise ExportError(
                    f"{target}: the written file is incomplete (is the disk full?); "
                    "nothing was saved"
                ) from exc
        os.replace(tmp, target)
        _flush_folder(folder)
    except OSError as exc:
        _remove_quietly(tmp)
        raise ExportError(f"{target}: cannot write ({_reason(exc)}); nothing was saved") from exc
    except BaseException:
        _remove_quietly(tmp)
        raise


def _reason(exc: OSError) -> str:
    import errno

    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full"
    if exc.errno == errno.EFBIG:
        return "file too large for this disk or account"
    if exc.errno == errno.EROFS:
        return "the disk is read-only"
    return exc.strerror or str(exc)


def verifier_for(target: Path) -> Verifier | None:
    """The read-back check for an output named `target` (None: size and fsync only)."""
    suffix = target.suffix.lower()
    return {
        ".pdf": verify_pdf,
        ".png": verify_image,
        ".jpg": verify_image,
        ".jpeg": verify_image,
        ".dcm": verify_dicom,
        ".zip": verify_zip,
        ".csv": verify_csv,
    }.get(suffix)


def verify_pdf(path: Path) -> None:
    """A PDF starts with its header and ends with the ``%%EOF`` trailer (after the xref)."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(8)
        fh.seek(max(0, size - 1024))
        tail = fh.read()
    if not head.startswith(b"%PDF-") or b"%%EOF" not in tail or b"startxref" not in tail:
        raise ValueError("PDF trailer missing")


def verify_image(path: Path) -> None:
    """Decode every pixel (a truncated PNG/JPEG fails here)."""
    from PIL import Image, ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = False
    with Image.open(path) as img:
        img.load()


def verify_dicom(path: Path) -> None:
    import pydicom

    ds = pydicom.dcmread(path)
    if "PixelData" in ds:
        _ = len(ds.PixelData)  # read to the end of the pixel element


def verify_zip(path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        bad = archive.testzip()
    if bad is not None:
        raise ValueError(f"member {bad} is damaged")


def verify_csv(path: Path) -> None:
    data = path.read_bytes()
    data.decode("utf-8")
    if not data.endswith((b"\n", b"\r")):
        raise ValueError("CSV does not end with a line break")


def _flush_to_disk(path: Path) -> None:
    """fsync: a full disk or a failing device is found now, not after the rename."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _flush_folder(folder: Path) -> None:
    """Make the rename itself durable where the platform allows (not on Windows)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        _flush_to_disk(folder)


def _remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _give_default_permissions(path: Path) -> None:
    """mkstemp creates 0600; an export should get the permissions of any new file (umask)."""
    umask = os.umask(0)
    os.umask(umask)
    with contextlib.suppress(OSError):
        os.chmod(path, 0o666 & ~umask)
