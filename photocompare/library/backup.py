"""Back up a whole library (rows and originals) into one portable file; restore it anywhere.

The backup is a zip file (originals stored, not recompressed) holding

    manifest.json          format, schema revision, time, row counts, SHA-256 and size of each original
    tables/<table>.jsonl   every row of every table as JSON (dates tagged), in dependency order
    originals/<sha256>     every original a photo row refers to (thumbnails are a cache: not kept)

The rows are read inside one transaction (a consistent snapshot on SQLite and PostgreSQL), so a
backup taken while other workstations work is still coherent. Because rows are plain JSON, a
backup made from SQLite restores into PostgreSQL and back. Every original is hashed while it is
written into the backup and again when it is restored; `restore()` refuses a damaged backup and
only fills an empty library, then checks the result with `verify_library`.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import decimal
import hashlib
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from photocompare.core.errors import LibraryError
from photocompare.library import audit
from photocompare.library.migrations import VERSION_TABLE, current_revision, head_revision

FORMAT = "photocompare-library-backup"
FORMAT_VERSION = 1
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class BackupSummary:
    path: str
    schema_revision: int
    tables: dict[str, int]
    originals: int
    original_bytes: int


# -- JSON encoding of column values ----------------------------------------------------------


def _encode(value):
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$time": value.isoformat()}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, decimal.Decimal):
        return {"$decimal": str(value)}
    return value


def _decode(value):
    if isinstance(value, dict) and len(value) == 1:
        (tag, text), = value.items()
        if tag == "$datetime":
            return dt.datetime.fromisoformat(text)
        if tag == "$date":
            return dt.date.fromisoformat(text)
        if tag == "$time":
            return dt.time.fromisoformat(text)
        if tag == "$bytes":
            return base64.b64decode(text)
        if tag == "$decimal":
            return decimal.Decimal(text)
    return value


def _tables(conn: sa.Connection) -> list[sa.Table]:
    meta = sa.MetaData()
    meta.reflect(bind=conn)
    return [t for t in meta.sorted_tables if t.name != VERSION_TABLE]


def _hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


# -- backup -------------------------------------------------------------------------------------


def remove_dead_partials(out: Path) -> int:
    """Remove ``.NAME.PID.part`` files beside `out` whose writer process is gone.

    A backup killed without a chance to clean up (SIGKILL, power cut) leaves its partial zip,
    full of patient photos, hidden beside the target; the next backup to the same place
    removes it. A partial file of a backup that is still running is left alone.
    """
    from photocompare.library.store import _pid_alive

    removed = 0
    prefix = f".{out.name}."
    try:
        candidates = list(out.parent.glob(f".{glob_escape(out.name)}.*.part"))
    except OSError:
        return 0
    for part in candidates:
        pid_text = part.name[len(prefix) : -len(".part")]
        if not pid_text.isdigit():
            continue
        pid = int(pid_text)
        if pid == os.getpid() or _pid_alive(pid):
            continue
        try:
            part.unlink()
            removed += 1
        except OSError:
            pass
    return removed


def glob_escape(name: str) -> str:
    import glob

    return glob.escape(name)


class _Terminated(SystemExit):
    """SIGTERM during a backup: unwinds like Ctrl+C so the partial file is removed."""


@contextlib.contextmanager
def _terminate_cleanly():
    """Turn SIGTERM into an exception while the backup is written (main thread, POSIX only),
    so `finally` removes the partial file; SIGINT already arrives as KeyboardInterrupt."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return

    def _raise(signum, _frame):
        raise _Terminated(128 + signum)

    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def backup(library, out: str | Path) -> BackupSummary:
    """Write the library into the zip file `out` (atomically: a temp file renamed at the end)."""
    out = Path(out)
    if out.exists() and out.is_dir():
        raise LibraryError(f"backup target {out} is a folder; give a file name such as clinic.zip")
    if not out.parent.is_dir():  # like every export: a mistyped folder is reported, not made
        raise LibraryError(f"cannot write the backup {out}: folder {out.parent} does not exist")
    remove_dead_partials(out)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.part")
    counts: dict[str, int] = {}
    originals: dict[str, int] = {}
    try:
        with _terminate_cleanly(), zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            conn = library.engine.connect()
            try:
                if conn.dialect.name == "postgresql":
                    conn = conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    revision = current_revision(conn)
                    for table in _tables(conn):
                        order = list(table.primary_key.columns) or list(table.columns)
                        n = 0
                        with zf.open(f"tables/{table.name}.jsonl", "w", force_zip64=True) as fh:
                            for row in conn.execute(sa.select(table).order_by(*order)):
                                record = {k: _encode(v) for k, v in row._mapping.items()}
                                fh.write(json.dumps(record, ensure_ascii=False).encode() + b"\n")
                                n += 1
                        counts[table.name] = n
                        if table.name == "photos":
                            shas = conn.execute(sa.select(table.c.sha256).distinct()).scalars()
                            originals = {s: 0 for s in shas}
            finally:
                conn.close()
            for sha in sorted(originals):
                source = library.store.path_for(sha)
                if not source.is_file():
                    raise LibraryError(
                        f"backup refused: original {sha[:12]}… is missing from the store "
                        "(run `photocompare verify`)"
                    )
                digest = hashlib.sha256()
                size = 0
                info = zipfile.ZipInfo(f"originals/{sha}")
                info.compress_type = zipfile.ZIP_STORED  # photos are compressed already
                with open(source, "rb") as src, zf.open(info, "w", force_zip64=True) as dst:
                    while chunk := src.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        dst.write(chunk)
                if digest.hexdigest() != sha:
                    raise LibraryError(
                        f"backup refused: original {sha[:12]}… in the store is damaged "
                        "(its bytes no longer match its SHA-256; run `photocompare verify`)"
                    )
                originals[sha] = size
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "schema_revision": revision,
                "created_utc": audit.utc_now().isoformat(timespec="seconds"),
                "source_dialect": library.engine.dialect.name,
                "tables": counts,
                "table_order": list(counts),
                "originals": originals,
            }
            zf.writestr("manifest.json", json.dumps(manifest, indent=1, sort_keys=True))
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except OSError as exc:
        raise LibraryError(f"cannot write the backup {out.name}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    if not getattr(library, "read_only", False):  # a read-only library cannot log anything
        audit.record(library, audit.LIBRARY_BACKED_UP,
                     details={"file": out.name, "originals": len(originals), "rows": counts})
    return BackupSummary(str(out), revision, counts, len(originals), sum(originals.values()))


# -- restore ------------------------------------------------------------------------------------


def read_manifest(zf: zipfile.ZipFile, name: str) -> dict:
    try:
        manifest = json.loads(zf.read("manifest.json"))
    except KeyError:
        raise LibraryError(f"{name}: not a PhotoCompare backup (no manifest.json)") from None
    except ValueError:
        raise LibraryError(f"{name}: damaged backup (manifest.json is not JSON)") from None
    if manifest.get("format") != FORMAT:
        raise LibraryError(f"{name}: not a PhotoCompare backup")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise LibraryError(f"{name}: backup format {manifest.get('format_version')} is not supported")
    return manifest


def open_backup(path: Path) -> zipfile.ZipFile:
    """The backup zip, or LibraryError with one line naming the file and the reason."""
    if not path.exists():
        raise LibraryError(f"{path.name}: cannot open the backup (file not found)")
    if path.is_dir():
        raise LibraryError(f"{path.name}: cannot open the backup (it is a folder)")
    if not path.is_file():  # a FIFO or device would block or never end
        raise LibraryError(f"{path.name}: cannot open the backup (not a regular file)")
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise LibraryError(f"{path.name}: cannot open the backup (not a zip file)") from None
    except OSError as exc:
        raise LibraryError(
            f"{path.name}: cannot open the backup ({exc.strerror or exc})"
        ) from None


def check_backup(path: str | Path) -> dict:
    """Re-hash every original in a backup file against its name; returns the manifest."""
    path = Path(path)
    with open_backup(path) as zf:
        manifest = read_manifest(zf, path.name)
        for sha in manifest["originals"]:
            digest = hashlib.sha256()
            try:
                with zf.open(f"originals/{sha}") as fh:
                    while chunk := fh.read(CHUNK):
                        digest.update(chunk)
            except (KeyError, zipfile.BadZipFile, OSError) as exc:
                raise LibraryError(f"{path.name}: original {sha[:12]}… is damaged ({exc})") from None
            if digest.hexdigest() != sha:
                raise LibraryError(f"{path.name}: original {sha[:12]}… does not match its SHA-256")
    return manifest


def restore(backup_path: str | Path, library) -> BackupSummary:
    """Fill the (empty) open `library` from a backup file; originals go through the store."""
    from photocompare.library.verify import verify_library

    backup_path = Path(backup_path)
    manifest = check_backup(backup_path)
    head = head_revision()
    if manifest["schema_revision"] != head:
        raise LibraryError(
            f"{backup_path.name}: backup has schema revision {manifest['schema_revision']}, this "
            f"version of PhotoCompare uses {head}; restore it with the matching version"
        )
    engine = library.engine
    with engine.connect() as conn:
        tables = {t.name: t for t in _tables(conn)}
        not_empty = [
            name for name in ("patients", "photos")
            if name in tables and conn.execute(sa.select(sa.func.count()).select_from(tables[name])).scalar()
        ]
    if not_empty:
        raise LibraryError(
            "restore refused: the target library is not empty "
            f"(it has {', '.join(not_empty)}); restore into a new library"
        )
    # Originals first: a row must never exist without its file.
    store = library.store
    with zipfile.ZipFile(backup_path) as zf:
        tmp_dir = Path(store.tmp_dir) if hasattr(store, "tmp_dir") else Path(store.root)
        for sha in manifest["originals"]:
            part = tmp_dir / f"restore-{os.getpid()}-{sha}.part"
            try:
                with zf.open(f"originals/{sha}") as src, open(part, "wb") as dst:
                    while chunk := src.read(CHUNK):
                        dst.write(chunk)
                got = store.put(part, expected_sha256=sha)
            finally:
                part.unlink(missing_ok=True)
            if got != sha:
                raise LibraryError(f"restored original {sha[:12]}… hashed to {got[:12]}…")
        order = manifest.get("table_order") or list(manifest["tables"])
        with engine.begin() as conn:
            for name in order:
                table = tables.get(name)
                if table is None:
                    raise LibraryError(f"{backup_path.name}: table {name} is unknown to this version")
                batch: list[dict] = []
                with zf.open(f"tables/{name}.jsonl") as fh:
                    for line in fh:
                        row = {k: _decode(v) for k, v in json.loads(line).items()}
                        if name == audit.AUDIT_TABLE:
                            row.pop("id", None)  # new ids after any entries the target has
                        batch.append(_fit(table, row))
                        if len(batch) >= 500:
                            conn.execute(table.insert(), batch)
                            batch = []
                if batch:
                    conn.execute(table.insert(), batch)
            if conn.dialect.name == "postgresql":
                _reset_sequences(conn, [tables[n] for n in order if n in tables])
    report = verify_library(library)
    if not report.ok:
        raise LibraryError("restored library failed verification: " + "; ".join(
            p.message for p in report.errors[:3]))
    with engine.connect() as conn:
        counts = {
            name: conn.execute(sa.select(sa.func.count()).select_from(tables[name])).scalar()
            for name in order
        }
    expected = {k: v for k, v in manifest["tables"].items() if k != "audit_log"}
    got = {k: v for k, v in counts.items() if k != "audit_log"}
    if got != expected:
        raise LibraryError(f"restored row counts differ from the backup: {got} != {expected}")
    audit.record(library, audit.LIBRARY_RESTORED,
                 details={"file": backup_path.name, "originals": len(manifest["originals"])})
    return BackupSummary(str(backup_path), manifest["schema_revision"], counts,
                         len(manifest["originals"]), sum(manifest["originals"].values()))


def _fit(table: sa.Table, row: dict) -> dict:
    """Adapt values to the target column types (SQLite <-> PostgreSQL differences)."""
    out = {}
    for key, value in row.items():
        column = table.c.get(key)
        if column is None:
            raise LibraryError(f"column {table.name}.{key} is unknown to this version")
        if value is not None:
            ctype = column.type
            if isinstance(ctype, sa.Boolean) and not isinstance(value, bool):
                value = bool(value)
            elif isinstance(ctype, sa.DateTime) and isinstance(value, dt.datetime):
                if ctype.timezone and value.tzinfo is None:
                    value = value.replace(tzinfo=dt.UTC)
                elif not ctype.timezone and value.tzinfo is not None:
                    value = value.astimezone(dt.UTC).replace(tzinfo=None)
            elif isinstance(ctype, sa.Date) and isinstance(value, str):
                value = dt.date.fromisoformat(value)
        out[key] = value
    return out


def _reset_sequences(conn: sa.Connection, tables: list[sa.Table]) -> None:
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, sa.Integer):
            continue
        seq = conn.execute(
            sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
            {"t": f'"{table.name}"', "c": pk[0].name},
        ).scalar()
        if seq:
            conn.execute(
                sa.text(
                    f'SELECT setval(:s, COALESCE((SELECT MAX("{pk[0].name}") FROM "{table.name}"), 0) + 1, false)'
                ),
                {"s": seq},
            )
