"""The importing process that tests/clinic/test_crash_import.py kills (SIGKILL) on purpose.

    python -m tests.clinic.crash_child LOCATION STORE FOLDER PATIENT [KILL_POINT]

Prints "ready" once the library is open, then imports FOLDER for PATIENT and prints "done".
KILL_POINT `name:N` makes the process SIGKILL itself at the N-th occurrence of:

    pending      right after the N-th pending marker was written (before the copy)
    midcopy      in the middle of writing the N-th original into the store's tmp/ folder
    fsync        just before the N-th fsync (of a copy or a marker)
    replace      just before the N-th atomic rename into the store
    replaced     just after the N-th rename (file in place, no row yet)
    commit       just before the N-th database commit
    committed    just after the N-th commit (row in, pending marker not yet cleared)
    clear        just before the N-th pending marker is cleared

Without a kill point the parent kills it after a random delay instead. The same code paths as
the app run; only these wrappers are added around them.
"""

from __future__ import annotations

import os
import signal
import sys


def _die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def install(kill_point: str) -> None:
    import builtins

    from photocompare.library import locking, store

    name, _, nth = kill_point.partition(":")
    target = int(nth or 1)
    count = {"n": 0}

    def hit() -> bool:
        count["n"] += 1
        return count["n"] == target

    if name == "pending":
        original = store.Store.mark_pending

        def mark_pending(self, sha):
            marker = original(self, sha)
            if hit():
                _die()
            return marker

        store.Store.mark_pending = mark_pending
    elif name == "clear":
        original_clear = store.Store.clear_pending

        def clear_pending(self, marker):
            if hit():
                _die()
            return original_clear(self, marker)

        store.Store.clear_pending = clear_pending
    elif name in ("replace", "replaced"):
        real_replace = os.replace

        def replace(src, dst, *a, **k):
            if name == "replace" and hit():
                _die()
            real_replace(src, dst, *a, **k)
            if name == "replaced" and hit():
                _die()

        store.os.replace = replace  # store.py's `os` is the os module: patch just this name
        os.replace = replace
    elif name == "fsync":
        real_fsync = os.fsync

        def fsync(fd):
            if hit():
                _die()
            return real_fsync(fd)

        os.fsync = fsync
    elif name == "midcopy":
        real_open = builtins.open

        class HalfWriter:
            def __init__(self, fh):
                self._fh = fh

            def write(self, data):
                half = max(1, len(data) // 2)
                self._fh.write(data[:half])
                self._fh.flush()
                _die()

            def __getattr__(self, attr):
                return getattr(self._fh, attr)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return self._fh.__exit__(*exc)

        def open_(file, mode="r", *a, **k):
            fh = real_open(file, mode, *a, **k)
            if "x" in mode and str(file).endswith(".part") and hit():
                return HalfWriter(fh)
            return fh

        store.open = open_  # module global shadows the builtin inside store.py only
    elif name in ("commit", "committed"):
        real_commit = locking.ClinicSession.commit
        real_flush = locking.ClinicSession.flush

        def flush(self, objects=None):
            if self.new or self.dirty or self.deleted:
                self.info["wrote"] = True
            return real_flush(self, objects)

        def commit(self):
            writes = bool(self.info.pop("wrote", False) or self.new or self.dirty or self.deleted)
            if name == "commit" and writes and hit():
                _die()
            real_commit(self)
            if name == "committed" and writes and hit():
                _die()

        locking.ClinicSession.commit = commit
        locking.ClinicSession.flush = flush
    else:
        raise SystemExit(f"unknown kill point {kill_point}")


def main(argv: list[str]) -> int:
    location, store_dir, folder, patient = argv[:4]
    if len(argv) > 4:
        install(argv[4])
    from photocompare.library.db import Library
    from photocompare.library.importer import import_paths

    lib = Library.open(location, store=store_dir)
    print("ready", flush=True)
    summary = import_paths(lib, [folder], patient)
    lib.close()
    print(f"done {len(summary.imported)} {len(summary.duplicates)} {len(summary.rejected)}",
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
