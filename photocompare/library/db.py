"""Opening a library: the database (SQLite by default, any SQLAlchemy URL such as PostgreSQL)
plus the store of originals, with the schema migrated and leftovers of interrupted imports
cleaned. This is the object the UI, the CLI and the exporters hold.

    lib = Library.open()                       # per-user default (settings.default_library_dir)
    lib = Library.open("/data/clinic-lib")     # DIR/library.sqlite3 + DIR/store
    lib = Library.open("postgresql+psycopg://user@host/photocompare", store="/srv/pc-store")
    with lib.session() as s:                   # commits on success, rolls back on error
        s.add(...)
    lib.close()

Sessions use `expire_on_commit=False`, so records read in a session stay usable (read-only
snapshots) after it closes — convenient for widgets that display them.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from photocompare.core.errors import LibraryError
from photocompare.library import api, log_privacy
from photocompare.library.changes import LibraryChanges
from photocompare.library.locking import ClinicSession
from photocompare.library.migrations import migrate
from photocompare.library.models import Patient, Photo
from photocompare.library.store import CleanupReport, Store
from photocompare.settings import ImageLimits, default_library_dir

DB_FILENAME = "library.sqlite3"
STORE_DIRNAME = "store"
SQLITE_BUSY_TIMEOUT_MS = 30_000
ENV_LIBRARY = "PHOTOCOMPARE_LIBRARY"
ENV_STORE = "PHOTOCOMPARE_STORE"


def is_url(location: str | Path | None) -> bool:
    return isinstance(location, str) and "://" in location


def _shown(location: str | Path) -> str:
    """The location for a message: a URL's password is never echoed to the terminal or log."""
    if is_url(location):
        try:
            return sa.make_url(str(location)).render_as_string(hide_password=True)
        except sa.exc.ArgumentError:
            return "the given database URL"
    return str(location)


def _require_existing(location: str | Path) -> None:
    """LibraryError when `location` (a folder, an SQLite file or sqlite:// URL) has no library."""
    if is_url(location):
        try:
            parsed = sa.make_url(str(location))
        except sa.exc.ArgumentError:
            return  # _open_url reports it
        if parsed.get_backend_name() != "sqlite" or not parsed.database:
            return
        db_path = Path(parsed.database)
    else:
        path = Path(location).expanduser()
        is_file = path.is_file() or path.suffix in (".sqlite3", ".sqlite", ".db")
        db_path = path if is_file else path / DB_FILENAME
    if not db_path.is_file():
        raise LibraryError(
            f"no library at {_shown(location)} (check --library; `photocompare import` or "
            "`photocompare patient add` creates one)"
        )


def _require_existing_store(store: str | Path) -> None:
    """LibraryError when an explicitly given store folder does not exist.

    Read-only commands must not create a folder at a mistyped `--store` (and then report an
    empty-looking store); only commands that add to a library may create it."""
    if not Path(store).expanduser().is_dir():
        raise LibraryError(
            f"no store at {store} (check --store; `photocompare import` or "
            "`photocompare patient add` creates one)"
        )


def folder_is_read_only(folder: Path) -> bool:
    """True when this process cannot create files in `folder` (read-only disk or no rights)."""
    try:
        return folder.is_dir() and not os.access(folder, os.W_OK)
    except OSError:
        return False


def _sqlite_engine(db_path: Path, read_only: bool = False) -> sa.Engine:
    if read_only:
        # Nothing can be written next to the file (not even WAL's -shm), so it is opened as
        # immutable: the read-only commands (patients, photos, verify, course, audit, backup)
        # work on a library on a read-only disk or share.
        url = sa.URL.create("sqlite+pysqlite", database=f"file:{db_path}?mode=ro&immutable=1",
                            query={"uri": "true"})
    else:
        url = sa.URL.create("sqlite+pysqlite", database=str(db_path))
    engine = sa.create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        hide_parameters=True,  # no patient data (names) in error messages or logs
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # pragma: no cover - exercised by every test
        # Take over transaction control from pysqlite so BEGIN is emitted by us (below).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        if not read_only:
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # pragma: no cover
        # A write session takes the write lock up front (no upgrade deadlocks between two
        # processes); readers use a deferred transaction and never block writers (WAL).
        if conn.get_execution_options().get("sqlite_immediate"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


class Library:
    """An open library: `.engine`, `.store`, `.session()`, `.close()` and a few plain helpers."""

    def __init__(
        self,
        engine: sa.Engine,
        store: Store,
        location: str,
        db_path: Path | None = None,
        limits: ImageLimits | None = None,
    ) -> None:
        self.engine = engine
        self.store = store
        self.location = location  # what to show the user (URL without password, or the folder)
        self.db_path = db_path  # the SQLite file, None for a server database
        self.limits = limits or ImageLimits()
        # ClinicSession: a stale row_version becomes ConcurrentEditError
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False, class_=ClinicSession)
        self.cleanup_report = CleanupReport()
        self.read_only = False  # a library on a read-only folder: read-only commands only
        # who hears about committed writes (views with derived figures reload from it)
        self.changes = LibraryChanges()

    # -- opening --------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        location: str | Path | None = None,
        store: str | Path | None = None,
        *,
        limits: ImageLimits | None = None,
        cleanup: bool = True,
        create: bool = True,
    ) -> Library:
        """Open (creating if needed) the library at `location` and bring its schema up to date.

        `create=False` (read-only commands) refuses a folder or SQLite file that holds no
        library yet instead of making an empty one: a typo in `--library` must not look like
        an empty library. A server URL is opened as given (its schema migrates itself).

        `location`: a folder (SQLite `library.sqlite3` and `store/` inside), a `.sqlite3` file,
        or an SQLAlchemy URL (`postgresql+psycopg://...`; then `store` is required). None means
        `$PHOTOCOMPARE_LIBRARY` or the per-user default folder. `store` overrides where the
        originals live (default `<folder>/store`; `$PHOTOCOMPARE_STORE` also works).
        """
        if location is None or str(location) == "":
            location = os.environ.get(ENV_LIBRARY) or default_library_dir()
        if store is None or str(store) == "":
            store = os.environ.get(ENV_STORE) or None
        if not create:
            _require_existing(location)
        try:
            if is_url(location):
                library = cls._open_url(str(location), store, limits, create)
            else:
                library = cls._open_folder(Path(location).expanduser(), store, limits, create)
        except LibraryError:
            raise
        except (sa.exc.SQLAlchemyError, sqlite3.Error, OSError) as exc:
            raise LibraryError(
                f"cannot open the library at {_shown(location)}: {_short(exc)}"
            ) from None
        # Patients' clinic IDs and names never reach the log file (see log_privacy).
        log_privacy.learn_patients(library.engine)
        if cleanup and not library.read_only:
            try:
                library.cleanup_report = library.cleanup_leftovers()
            except (sa.exc.SQLAlchemyError, OSError) as exc:
                library.close()
                raise LibraryError(
                    f"cannot check the library at {_shown(location)}: {_short(exc)}"
                ) from None
        return library

    @classmethod
    def _open_folder(
        cls,
        location: Path,
        store: str | Path | None,
        limits: ImageLimits | None,
        create: bool = True,
    ) -> Library:
        if location.is_file() or location.suffix in (".sqlite3", ".sqlite", ".db"):
            folder, db_path = location.parent, location
        else:
            folder, db_path = location, location / DB_FILENAME
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LibraryError(
                f"cannot create the library folder {folder}: {exc.strerror or exc}"
            ) from None
        if db_path.exists() and not _looks_like_sqlite(db_path):
            raise LibraryError(f"{db_path} is not a PhotoCompare library (not an SQLite file)")
        if store and not create:
            _require_existing_store(store)
        read_only = db_path.is_file() and folder_is_read_only(folder)
        if read_only and create:
            raise LibraryError(
                f"the library folder {folder} is read-only: nothing can be added to it "
                "(patients, photos, verify, course, audit and backup still work)"
            )
        store_obj = Store(Path(store).expanduser() if store else folder / STORE_DIRNAME)
        engine = _sqlite_engine(db_path, read_only=read_only)
        try:
            if read_only:
                _require_current_schema(engine, folder)
            else:
                _migrate_with_retry(engine)
        except Exception:
            engine.dispose()
            raise
        library = cls(engine, store_obj, str(folder), db_path=db_path, limits=limits)
        library.read_only = read_only
        return library

    @classmethod
    def _open_url(
        cls,
        url: str,
        store: str | Path | None,
        limits: ImageLimits | None,
        create: bool = True,
    ) -> Library:
        try:
            parsed = sa.make_url(url)
        except sa.exc.ArgumentError:
            raise LibraryError(f"not a database URL: {url}") from None
        if parsed.drivername in ("postgresql", "postgres"):
            # `--library postgresql://...` means our one PostgreSQL driver (psycopg 3),
            # not SQLAlchemy's default psycopg2, which is not installed.
            parsed = parsed.set(drivername="postgresql+psycopg")
        if parsed.get_backend_name() == "sqlite":
            if not parsed.database:
                raise LibraryError("an SQLite URL needs a file path")
            db_path = Path(parsed.database)
            folder = db_path.parent
            folder.mkdir(parents=True, exist_ok=True)
            if store and not create:
                _require_existing_store(store)
            store_obj = Store(Path(store) if store else folder / STORE_DIRNAME)
            engine = _sqlite_engine(db_path)
        else:
            if not store:
                raise LibraryError(
                    "a server library needs --store DIR (the shared folder holding the originals)"
                )
            store_obj = None  # made once the server answered: a failed open creates no folder
            # libpq waits for ever on a host that drops packets: give up after 10 s unless the
            # URL says otherwise (`?connect_timeout=N`).
            connect_args = {} if "connect_timeout" in parsed.query else {"connect_timeout": 10}
            try:
                engine = sa.create_engine(
                    parsed, pool_pre_ping=True, hide_parameters=True, connect_args=connect_args
                )
            except ImportError as exc:  # e.g. mysql://: its driver is not installed
                raise LibraryError(
                    f"cannot open the library at {parsed.render_as_string(hide_password=True)}: "
                    f"no database driver for {parsed.drivername} ({exc.name or exc}); "
                    "use SQLite or postgresql+psycopg://"
                ) from None
            db_path = None
        try:
            _migrate_with_retry(engine)
            if store_obj is None:
                if not create:
                    _require_existing_store(store)
                store_obj = Store(Path(store).expanduser())
        except Exception:
            engine.dispose()
            raise
        return cls(
            engine,
            store_obj,
            parsed.render_as_string(hide_password=True),
            db_path=db_path,
            limits=limits,
        )

    # -- sessions -------------------------------------------------------------------------
    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A Session that commits when the block ends normally and rolls back on an exception.

        `write=True` takes SQLite's write lock at the start (BEGIN IMMEDIATE) so two processes
        writing at once queue instead of failing; it makes no difference on PostgreSQL.
        """
        if write and self.is_sqlite:
            conn = self.engine.connect().execution_options(sqlite_immediate=True)
            session = self._sessions(bind=conn)
        else:
            conn = None
            session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
            if conn is not None:
                conn.close()
        self.changes.committed(session)  # after the commit and the lock are released

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Library({self.location!r}, store={str(self.store.root)!r})"

    # -- record helpers for the library package and its tests -------------------------------
    # Callers outside `photocompare.library` use `library.api` (frozen rows); these return ORM
    # records and delegate every check and error sentence to that API.
    def add_patient(
        self,
        external_id: str,
        display_name: str = "",
        birth_year: int | None = None,
        notes: str = "",
    ) -> Patient:
        """Create a patient through the library API (same checks, same sentences); the record."""
        row = api.add_patient(self, external_id, display_name, birth_year, notes)
        with self.session() as s:
            return s.get(Patient, row.id)

    def get_patient(self, external_id: str) -> Patient | None:
        with self.session() as s:
            return s.scalar(sa.select(Patient).where(Patient.external_id == external_id))

    def patients(self) -> list[Patient]:
        """Every patient, by external id."""
        with self.session() as s:
            return list(s.scalars(sa.select(Patient).order_by(Patient.external_id)))

    def photo_counts(self) -> dict[int, int]:
        """patient id -> number of photos (not counting those in the trash)."""
        return api.patient_photo_counts(self)

    def photos(self, patient: str | int | Patient, *, include_trashed: bool = False) -> list[Photo]:
        """A patient's photos (by external id, internal id or record), oldest first; photos in
        the trash (`library/trash.py`) only with `include_trashed=True`."""
        with self.session() as s:
            if isinstance(patient, Patient):
                patient_id = patient.id
            elif isinstance(patient, int):
                patient_id = patient
            else:
                patient_id = s.scalar(sa.select(Patient.id).where(Patient.external_id == patient))
                if patient_id is None:
                    raise LibraryError(f"no patient {patient} in the library")
            query = sa.select(Photo).where(Photo.patient_id == patient_id)
            if not include_trashed:
                query = _not_trashed(query)
            query = query.order_by(Photo.taken_at.is_(None), Photo.taken_at, Photo.id)
            return list(s.scalars(query))

    def photo(self, photo_id: int) -> Photo | None:
        with self.session() as s:
            return s.get(Photo, photo_id)

    def set_photo_labels(
        self,
        photo_id: int,
        *,
        view: str | None = None,
        expression: str | None = None,
        note: str | None = None,
    ) -> Photo:
        """Set a photo's labels and note through the library API (None leaves a field as it
        is, an empty string clears it); the record. LibraryError for an unknown photo or label."""
        api.set_labels(self, photo_id, view=view, expression=expression, note=note)
        return self.photo(photo_id)

    def original_path(self, photo: Photo | str) -> Path:
        """The stored original (read-only; open it, never modify it)."""
        return self.store.path_for(photo.sha256 if isinstance(photo, Photo) else photo)

    def thumbnail(self, photo: Photo | str, px: int | None = None) -> Path:
        """Path of a cached JPEG thumbnail, made (atomically) when missing. Call off the GUI
        thread: making one decodes the original. Raises UnreadablePhoto / LibraryError."""
        from photocompare.core.thumbnails import make_thumbnail

        sha = photo.sha256 if isinstance(photo, Photo) else photo
        px = px or self.limits.thumbnail_px
        target = self.store.thumbnail_path(sha, px)
        if target.is_file():
            return target
        original = self.store.path_for(sha)
        if not original.is_file():
            raise LibraryError(f"the original of {sha[:12]}… is missing from the store")
        data = make_thumbnail(original, px, self.limits)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"{target.name}.{os.getpid()}.{time.monotonic_ns()}.part")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        return target

    def cleanup_leftovers(self) -> CleanupReport:
        """Resolve what interrupted imports left in the store (runs on every open)."""

        def has_row(sha: str) -> bool:
            with self.session() as s:
                return s.scalar(sa.select(Photo.id).where(Photo.sha256 == sha)) is not None

        return self.store.cleanup_leftovers(has_row)

    def referenced_hashes(self) -> set[str]:
        with self.session() as s:
            return set(s.scalars(sa.select(Photo.sha256)))


def _not_trashed(query):
    """Leave out photos in the trash (the column exists from migration 3 on)."""
    deleted_at = getattr(Photo, "deleted_at", None)
    return query if deleted_at is None else query.where(deleted_at.is_(None))


def _require_current_schema(engine: sa.Engine, folder: Path) -> None:
    """A read-only library cannot be upgraded: refuse it in one line when it needs to be."""
    from photocompare.library.migrations import current_revision, head_revision

    with engine.connect() as conn:
        behind = current_revision(conn) < head_revision()
    if behind:
        raise LibraryError(
            f"the library folder {folder} is read-only and was made by an older version; "
            "open it once where it can be written to upgrade it"
        )


def _migrate_with_retry(engine: sa.Engine, attempts: int = 5) -> int:
    """Two processes opening a new SQLite library at once can collide; the loser retries."""
    for attempt in range(attempts):
        try:
            return migrate(engine)
        except sa.exc.OperationalError as exc:
            if "locked" not in str(exc).lower() or attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


def _looks_like_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError:
        return False
    return head == b"" or head.startswith(b"SQLite format 3\x00")


def _short(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
