"""Never a half-written output: write to a temporary name in the same folder, then rename.

`os.replace` within one directory is atomic on every platform we ship to, so a reader (or a
PACS import folder watcher) sees either the old file, nothing, or the complete new file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from photocompare.core.errors import ExportError


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to `path`; rename it to `path` only if the block succeeds.

    On any exception the temporary file is removed and the exception propagates (an OSError
    becomes an ExportError naming the output), so a failed export leaves nothing behind.
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
        raise ExportError(f"{target}: cannot write here ({exc.strerror or exc})") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    _give_default_permissions(tmp)
    try:
        yield tmp
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise ExportError(f"{target}: nothing was written")
        os.replace(tmp, target)
    except OSError as exc:
        _remove_quietly(tmp)
        raise ExportError(f"{target}: cannot write ({exc.strerror or exc})") from exc
    except BaseException:
        _remove_quietly(tmp)
        raise


def _remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _give_default_permissions(path: Path) -> None:
    """mkstemp creates 0600; an export should get the permissions of any new file (umask)."""
    umask = os.umask(0)
    os.umask(umask)
    with contextlib.suppress(OSError):
        os.chmod(path, 0o666 & ~umask)
