"""The content-addressed store: atomic byte-identical puts, verification, thumbnails; and two
processes importing into one SQLite library at the same time."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys

import pytest

from photocompare.core.errors import LibraryError
from photocompare.library.db import Library
from photocompare.library.importer import import_paths
from photocompare.library.store import Store


def test_put_is_idempotent_and_byte_identical(tmp_path, bad_images):
    store = Store(tmp_path / "store")
    source = bad_images / "hopper.png"
    sha = store.put(source)
    assert sha == hashlib.sha256(source.read_bytes()).hexdigest()
    assert store.put(source) == sha
    assert store.path_for(sha).read_bytes() == source.read_bytes()
    assert list(store.iter_originals()) == [sha]
    assert not any(store.tmp_dir.iterdir())
    assert stat.S_IMODE(store.path_for(sha).stat().st_mode) & 0o222 == 0


def test_put_refuses_a_file_that_changed_since_it_was_checked(tmp_path, bad_images):
    store = Store(tmp_path / "store")
    with pytest.raises(LibraryError, match="changed while it was being imported"):
        store.put(bad_images / "hopper.png", expected_sha256="0" * 64)
    assert list(store.iter_originals()) == [] and not any(store.tmp_dir.iterdir())


def test_verify_finds_missing_corrupt_and_unreferenced(tmp_path, bad_images):
    store = Store(tmp_path / "store")
    a = store.put(bad_images / "hopper.png")
    b = store.put(bad_images / "hopper.jpg")
    c = store.put(bad_images / "exif.png")
    damaged = store.path_for(b)
    os.chmod(damaged, 0o644)
    with open(damaged, "r+b") as fh:
        fh.seek(100)
        fh.write(b"\0\0\0\0")
    store.remove(c)
    report = store.verify({a, b, c, "f" * 64} - set())
    assert report.ok == 1 and report.corrupt == [b]
    assert report.missing == sorted([c, "f" * 64])
    assert store.verify({a}).unreferenced == [b]


def test_path_for_only_takes_sha256(tmp_path):
    store = Store(tmp_path / "store")
    with pytest.raises(LibraryError):
        store.path_for("../../etc/passwd")


def test_thumbnails_are_small_upright_jpegs_cached_in_the_store(tmp_path, exif_samples):
    from PIL import Image

    with Library.open(tmp_path / "lib") as lib:
        import_paths(lib, [exif_samples / "jpg" / "hdr" / "canon_hdr_NO.jpg"], "P-1")
        (photo,) = lib.photos("P-1")
        path = lib.thumbnail(photo, 200)
        first_mtime = path.stat().st_mtime_ns
        with Image.open(path) as img:
            assert img.format == "JPEG" and img.size == (150, 200)  # orientation 6 applied
        assert lib.thumbnail(photo, 200) == path and path.stat().st_mtime_ns == first_mtime
        assert path.is_relative_to(lib.store.thumbs_dir)


CONCURRENT_IMPORT = (
    "import sys\n"
    "from photocompare.library.db import Library\n"
    "from photocompare.library.importer import import_paths\n"
    "lib = Library.open(sys.argv[1])\n"
    "s = import_paths(lib, [sys.argv[2]], 'P-1')\n"
    "print(len(s.imported), len(s.duplicates), len(s.rejected))\n"
)


def test_two_processes_importing_the_same_folder_at_once(tmp_path, exif_samples):
    lib_dir = tmp_path / "lib"
    folder = exif_samples / "jpg" / "gps"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CONCURRENT_IMPORT, str(lib_dir), str(folder)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    counts = [tuple(map(int, out.split())) for out, _ in outputs]
    assert sum(c[0] for c in counts) == 9  # each photo imported exactly once...
    assert sum(c[1] for c in counts) == 9  # ...and seen as a duplicate by the other process
    assert all(c[2] == 0 for c in counts)
    with Library.open(lib_dir) as lib:
        assert len(lib.photos("P-1")) == 9
        report = lib.store.verify(lib.referenced_hashes())
        assert report.ok == 9 and not (report.missing or report.corrupt or report.unreferenced)
