"""The importer's read-ahead (validation on 2 threads, added for benchmark P3) changes nothing
but speed: results stay in file order, bad files are still rejected one by one, cancel stops."""

from __future__ import annotations

import shutil
import threading

from photocompare.library import importer
from photocompare.library.db import Library


def _mixed_folder(tmp_path, bad_images, faces_dir):
    folder = tmp_path / "mixed"
    folder.mkdir()
    good = sorted((faces_dir / "face_recognition-examples" / "examples").glob("*.jpg"))[:5]
    bad = [bad_images / "truncated_jpeg.jpg", bad_images / "truncated_image.png"]
    order = []
    for i, src in enumerate([good[0], bad[0], good[1], good[2], bad[1], good[3], good[4]]):
        dst = folder / f"{i:02d}_{src.name}"
        shutil.copyfile(src, dst)
        order.append(dst)
    return order, {str(folder / f"01_{bad[0].name}"), str(folder / f"04_{bad[1].name}")}


def test_read_ahead_keeps_file_order_and_rejects_bad_files_individually(
    tmp_path, bad_images, faces_dir
):
    files, bad = _mixed_folder(tmp_path, bad_images, faces_dir)
    library = Library.open(tmp_path / "lib")
    try:
        seen = []
        summary = importer.import_paths(library, files, "P-1",
                                        progress=lambda d, t, p: seen.append(p))
    finally:
        library.close()
    assert [r.path for r in summary.results] == [str(f) for f in files]
    assert seen == [str(f) for f in files]
    assert {p for p, _reason in summary.rejected} == bad
    assert len(summary.imported) == len(files) - 2


def test_cancel_during_read_ahead_stops_and_leaves_no_reader_threads(
    tmp_path, bad_images, faces_dir
):
    files, _bad = _mixed_folder(tmp_path, bad_images, faces_dir)
    seen: list[str] = []
    library = Library.open(tmp_path / "lib")
    try:
        summary = importer.import_paths(library, files, "P-1",
                                        cancelled=lambda: len(seen) >= 2,
                                        progress=lambda d, t, p: seen.append(p))
    finally:
        library.close()
    assert summary.cancelled
    assert len(summary.results) == 2
    assert not [t for t in threading.enumerate() if t.name.startswith("import-read")]

