"""Check a library end to end: every photo row has its original, byte for byte.

`verify_library()` re-hashes every stored original that a row refers to and reports, per
problem, the photo ids and file names concerned (never a patient's name): originals missing or
corrupt (bytes no longer hash to their name) are errors; files no row refers to and temporary
files left by an interrupted write are warnings (the store cleans the latter when it opens).
Rows pointing at a patient that does not exist are errors too. `photocompare verify` prints the
report and exits 1 when there is any error.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import sqlalchemy as sa

from photocompare.library.models import Patient, Photo

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    severity: str  # "error" | "warning"
    kind: str  # missing_original | corrupt_original | unreferenced_file | leftover_temp | orphan_row
    sha256: str | None
    photo_ids: list[int]
    message: str


@dataclass(frozen=True)
class VerifyReport:
    photos: int = 0
    originals_checked: int = 0
    originals_ok: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> dict:
        return {**asdict(self), "ok": self.ok, "errors": len(self.errors)}

    def lines(self) -> list[str]:
        out = [
            f"{self.photos} photo rows, {self.originals_checked} originals re-hashed, "
            f"{self.originals_ok} intact, {len(self.errors)} error(s), "
            f"{len(self.problems) - len(self.errors)} warning(s)"
        ]
        out += [f"{p.severity}: {p.message}" for p in self.problems]
        return out


def verify_library(library, *, rehash: bool = True) -> VerifyReport:
    """Check every photo row against the store (re-hashing originals unless `rehash=False`)."""
    with library.session() as session:
        rows = session.execute(
            sa.select(Photo.id, Photo.sha256, Photo.original_name, Photo.patient_id)
        ).all()
        patient_ids = set(session.scalars(sa.select(Patient.id)))
    by_sha: dict[str, list[tuple[int, str]]] = {}
    problems: list[Problem] = []
    for photo_id, sha, name, patient_id in rows:
        by_sha.setdefault(sha, []).append((photo_id, name))
        if patient_id not in patient_ids:
            problems.append(
                Problem(ERROR, "orphan_row", sha, [photo_id],
                        f"photo {photo_id} ({name}) belongs to patient id {patient_id}, "
                        "which is not in the library")
            )
    store = library.store
    report = store.verify(expected=set(by_sha), rehash=rehash)

    def label(sha: str) -> tuple[list[int], str]:
        items = by_sha.get(sha, [])
        names = ", ".join(f"photo {i} ({n})" for i, n in items)
        return [i for i, _ in items], names

    for sha in report.missing:
        ids, names = label(sha)
        problems.append(Problem(ERROR, "missing_original", sha, ids,
                                f"{names}: original {sha[:12]}… is missing from the store"))
    for sha in report.corrupt:
        ids, names = label(sha)
        problems.append(Problem(ERROR, "corrupt_original", sha, ids,
                                f"{names}: original {sha[:12]}… no longer matches its SHA-256 "
                                "(the file was changed or damaged)"))
    for sha in report.unreferenced:
        problems.append(Problem(WARNING, "unreferenced_file", sha, [],
                                f"stored file {sha[:12]}… has no photo row (left by an "
                                "interrupted import or a purge; harmless)"))
    tmp_dir = getattr(store, "tmp_dir", None)
    if tmp_dir is not None and tmp_dir.exists():
        for leftover in sorted(p for p in tmp_dir.iterdir() if p.is_file()):
            problems.append(Problem(WARNING, "leftover_temp", None, [],
                                    f"temporary file {leftover.name} in the store (an "
                                    "interrupted or running import; never visible as a photo)"))
    return VerifyReport(
        photos=len(rows),
        originals_checked=report.checked,
        originals_ok=report.ok,
        problems=problems,
    )
