"""A throwaway PostgreSQL cluster on loopback for the tests (no mocks: a real server).

`PgCluster.start()` finds Debian's server binaries (``/usr/lib/postgresql/<ver>/bin``, newest
first; then ``$PATH``), runs ``initdb`` in a fresh temporary folder with trust authentication,
and starts ``postgres`` on a free port of 127.0.0.1 with its unix socket in that folder. The
server refuses to run as root, so when the tests run as root every server command runs as the
``postgres`` OS user (``runuser -u postgres``) and the folder is handed to that user.
``create_database()`` gives each test its own empty database; ``stop()`` stops the server and
removes the folder (also registered with atexit in case the session dies).

Set ``PHOTOCOMPARE_TEST_PG_URL`` (``postgresql+psycopg://user@host:port/db``) to use an existing
server instead; each test still gets its own database on it.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

SERVER_OS_USER = "postgres"
SUPERUSER = "postgres"


class PgUnavailable(RuntimeError):
    """No usable PostgreSQL server binaries (or the server would not start)."""


def find_bin_dir() -> Path:
    """The directory holding initdb, pg_ctl and postgres: Debian's layout first, then PATH."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in Path(p).parent.name.split(".")],
        reverse=True,
    )
    for directory in candidates:
        d = Path(directory)
        if all((d / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return d
    initdb = shutil.which("initdb")
    if initdb:
        d = Path(os.path.realpath(initdb)).parent
        if all((d / name).is_file() for name in ("pg_ctl", "postgres")):
            return d
    raise PgUnavailable(
        "PostgreSQL server binaries not found (install the Debian package 'postgresql'; "
        "looked in /usr/lib/postgresql/*/bin and PATH)"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    def __init__(self) -> None:
        self.bin_dir: Path | None = None
        self.root: Path | None = None
        self.port: int | None = None
        self.host = "127.0.0.1"
        self.user = SUPERUSER
        self._external_url: sa.URL | None = None
        self._admin: sa.Engine | None = None
        self._running = False

    # -- running server commands (as the postgres OS user when we are root) --------------------
    def _as_server_user(self, argv: list[str]) -> tuple[list[str], dict]:
        """As root: through runuser (util-linux), or by dropping to the postgres uid directly."""
        if os.geteuid() != 0:
            return argv, {}
        runuser = shutil.which("runuser") or ("/sbin/runuser" if os.path.exists("/sbin/runuser") else None)
        if runuser:
            return [runuser, "-u", SERVER_OS_USER, "--", *argv], {}
        pw = pwd.getpwnam(SERVER_OS_USER)
        return argv, {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}

    def _run(self, argv: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
        command, drop = self._as_server_user(argv)
        proc = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "LC_ALL": "C", "LANG": "C"},
            cwd=self.root or "/",
            **drop,
        )
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
            raise PgUnavailable(f"{Path(argv[0]).name} failed: {' | '.join(tail)}")
        return proc

    # -- life cycle -----------------------------------------------------------------------------
    def start(self) -> PgCluster:
        env_url = os.environ.get("PHOTOCOMPARE_TEST_PG_URL")
        if env_url:
            self._external_url = sa.make_url(env_url).set(drivername="postgresql+psycopg")
            self._admin = sa.create_engine(
                self._external_url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool
            )
            return self
        self.bin_dir = find_bin_dir()
        base = tempfile.gettempdir()
        if os.geteuid() == 0 and not os.stat(base).st_mode & 0o001:
            base = "/tmp"  # the postgres user must be able to reach the folder
        self.root = Path(tempfile.mkdtemp(prefix="photocompare-pg-", dir=base))
        atexit.register(self.stop)
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam(SERVER_OS_USER)
            except KeyError as exc:
                raise PgUnavailable(
                    f"running as root but there is no '{SERVER_OS_USER}' OS user to run the server"
                ) from exc
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        os.chmod(self.root, 0o700)
        data = self.root / "data"
        self._run(
            [
                str(self.bin_dir / "initdb"),
                "-D", str(data),
                "--auth=trust",
                f"--username={SUPERUSER}",
                "--encoding=UTF8",
                "--no-sync",
            ]
        )
        last_error: Exception | None = None
        for _attempt in range(5):  # the free port may be taken between probe and bind
            self.port = free_port()
            options = (
                f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=60 -c shared_buffers=32MB"
            )
            try:
                self._run(
                    [
                        str(self.bin_dir / "pg_ctl"),
                        "-D", str(data),
                        "-l", str(self.root / "server.log"),
                        "-o", options,
                        "-w", "-t", "60",
                        "start",
                    ]
                )
                self._running = True
                break
            except PgUnavailable as exc:
                last_error = exc
                time.sleep(0.2)
        if not self._running:
            log_tail = ""
            with contextlib.suppress(OSError):
                log_tail = (self.root / "server.log").read_text()[-800:]
            self.stop()
            raise PgUnavailable(f"PostgreSQL would not start: {last_error} {log_tail}")
        self._admin = sa.create_engine(
            self.url("postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool
        )
        with self._admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return self

    def stop(self) -> None:
        if self._admin is not None:
            self._admin.dispose()
            self._admin = None
        if self._running and self.bin_dir and self.root:
            with contextlib.suppress(Exception):
                self._run(
                    [str(self.bin_dir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate",
                     "-w", "stop"],
                    timeout=60,
                )
            self._running = False
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    # -- databases -------------------------------------------------------------------------------
    def url(self, database: str) -> sa.URL:
        if self._external_url is not None:
            return self._external_url.set(database=database)
        return sa.URL.create(
            "postgresql+psycopg", username=self.user, host=self.host, port=self.port,
            database=database,
        )

    def create_database(self, prefix: str = "t") -> str:
        """A new empty database; returns its SQLAlchemy URL as a string (password included)."""
        assert self._admin is not None, "cluster not started"
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with self._admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
        return self.url(name).render_as_string(hide_password=False)

    def drop_database(self, url: str) -> None:
        if self._admin is None:
            return
        name = sa.make_url(url).database
        with self._admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
