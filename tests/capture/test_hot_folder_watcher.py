"""The hot-folder watcher: a file is taken only when complete (stable across two polls and fully
decodable), a rename into the folder counts as new, files there at start are ignored unless
asked for, names used while writing are never taken, and a vanished folder is reported."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from photocompare.core.hot_folder import FolderUnavailable, FolderWatcher
from photocompare.settings import CaptureSettings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock() -> Clock:
    return Clock()


def watcher(folder: Path, clock: Clock, **kw) -> FolderWatcher:
    w = FolderWatcher(folder, settings=CaptureSettings(undecodable_grace_s=2.0), clock=clock, **kw)
    w.start()
    return w


def test_file_written_in_parts_is_taken_once_when_whole(tmp_path, face_photo, clock):
    data = face_photo.read_bytes()
    w = watcher(tmp_path, clock)
    target = tmp_path / "IMG_0001.jpg"
    thirds = [data[: len(data) // 3], data[len(data) // 3 : 2 * len(data) // 3], data[2 * len(data) // 3 :]]
    with open(target, "wb") as fh:
        fh.write(thirds[0])
        fh.flush()
        assert w.poll() == []  # first sight
        clock.now += 0.2
        assert w.poll() == []  # stable but truncated: not decodable yet, retried (not rejected)
        assert w.waiting == 1
        fh.write(thirds[1])
        fh.flush()
        clock.now += 0.2
        assert w.poll() == []  # changed: seen again from scratch
        clock.now += 0.2
        assert w.poll() == []
        fh.write(thirds[2])
    clock.now += 0.2
    assert w.poll() == []  # changed on this poll
    clock.now += 0.2
    done = w.poll()
    assert [d.path.name for d in done] == ["IMG_0001.jpg"]
    assert done[0].info is not None and done[0].reason is None
    assert done[0].info.width == 1280 and done[0].size_bytes == len(data)
    clock.now += 0.2
    assert w.poll() == []  # never twice


def test_stable_truncated_file_is_rejected_after_the_grace(tmp_path, face_photo, clock):
    data = face_photo.read_bytes()
    w = watcher(tmp_path, clock)
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 2])
    assert w.poll() == []
    clock.now += 0.2
    assert w.poll() == []
    clock.now += 1.0
    assert w.poll() == []  # still within the 2 s grace
    clock.now += 1.1
    done = w.poll()
    assert len(done) == 1 and done[0].info is None
    assert "truncated" in done[0].reason or "ends early" in done[0].reason or done[0].reason


def test_non_photo_is_reported_rejected_and_the_watch_goes_on(tmp_path, face_photo, clock):
    w = watcher(tmp_path, clock)
    (tmp_path / "notes.txt").write_text("not a photo\n")
    shutil.copy(face_photo, tmp_path / "a.jpg")
    w.poll()
    clock.now += 0.2
    first = {d.path.name: d for d in w.poll()}
    assert first["a.jpg"].info is not None
    assert "notes.txt" not in first  # waiting for the grace
    clock.now += 2.5
    later = {d.path.name: d for d in w.poll()}
    assert later["notes.txt"].info is None and later["notes.txt"].reason


def test_rename_into_folder_counts_as_new_and_partial_names_are_skipped(tmp_path, face_photo, clock):
    folder = tmp_path / "hot"
    folder.mkdir()
    outside = tmp_path / "outside.jpg"
    shutil.copy(face_photo, outside)
    w = watcher(folder, clock)
    shutil.copy(face_photo, folder / "IMG_2.jpg.part")  # a tool still writing
    shutil.copy(face_photo, folder / ".hidden.jpg")
    w.poll()
    clock.now += 0.2
    assert w.poll() == []
    os.rename(outside, folder / "IMG_1.jpg")  # old mtime, but a new name in this folder
    os.rename(folder / "IMG_2.jpg.part", folder / "IMG_2.jpg")
    w.poll()
    clock.now += 0.2
    assert sorted(d.path.name for d in w.poll()) == ["IMG_1.jpg", "IMG_2.jpg"]


def test_existing_files_ignored_unless_asked(tmp_path, face_photo, clock):
    shutil.copy(face_photo, tmp_path / "old.jpg")
    w = watcher(tmp_path, clock)
    w.poll()
    clock.now += 0.2
    assert w.poll() == []
    w2 = watcher(tmp_path, clock, include_existing=True)
    w2.poll()
    clock.now += 0.2
    assert [d.path.name for d in w2.poll()] == ["old.jpg"]


def test_missing_or_vanishing_folder(tmp_path, clock):
    with pytest.raises(FolderUnavailable, match="folder not found"):
        FolderWatcher(tmp_path / "nope").start()
    (tmp_path / "file").write_text("x")
    with pytest.raises(FolderUnavailable, match="not a folder"):
        FolderWatcher(tmp_path / "file").start()
    folder = tmp_path / "hot"
    folder.mkdir()
    w = watcher(folder, clock)
    assert w.poll() == []
    folder.rmdir()
    with pytest.raises(FolderUnavailable, match="folder not found"):
        w.poll()
