"""Collect the licence notices of every bundled component into one folder (build time).

`packaging/licenses/components.csv` lists the components the bundle ships and their licences
(hand-checked); the full texts come from each installed distribution's metadata
(`*.dist-info/licenses/`, `LICENSE*`, `NOTICE*`, `LICENSE-3RD-PARTY.txt`), plus the texts kept in
`packaging/licenses/` for those whose wheels carry none (Qt/PySide6: LGPL-3.0 + GPL-3.0; the
MediaPipe model: Apache-2.0). Usage: ``python packaging/collect_licenses.py OUT_DIR``.
"""

from __future__ import annotations

import csv
import re
import shutil
import sys
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
LICENSES = HERE / "licenses"
_LICENCE_FILE = re.compile(r"(^|/)(licen[cs]e|copying|notice|authors)[^/]*$", re.IGNORECASE)


def components() -> list[dict[str, str]]:
    with open(LICENSES / "components.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _version(dist_name: str) -> str:
    if not dist_name:
        return ""
    if dist_name == "python":
        return f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}"
    try:
        return metadata.version(dist_name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _licence_files(dist_name: str) -> list[Path]:
    try:
        dist = metadata.distribution(dist_name)
    except metadata.PackageNotFoundError:
        return []
    found = []
    for entry in dist.files or []:
        name = str(entry)
        if ".dist-info/" in name and _LICENCE_FILE.search(name):
            path = Path(dist.locate_file(entry))
            if path.is_file():
                found.append(path)
    return found


def collect(out_dir: Path) -> Path:
    """Write OUT_DIR/<distribution>/<files>, the shared texts and THIRD-PARTY-NOTICES.txt."""
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    for text in LICENSES.glob("*.txt"):
        shutil.copy2(text, out_dir / text.name)
    python_licence = Path(sys.base_prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "LICENSE.txt"
    for candidate in (python_licence, Path(sys.base_prefix) / "LICENSE.txt"):
        if candidate.is_file():
            (out_dir / "python").mkdir(exist_ok=True)
            shutil.copy2(candidate, out_dir / "python" / "LICENSE.txt")
            break
    lines = [
        "PhotoCompare bundles the following third-party components.",
        "Full licence texts are in this folder (one sub-folder per distribution).",
        "",
    ]
    rows = []
    copied: set[str] = set()
    for row in components():
        dist = row["distribution"]
        version = _version(dist)
        rows.append({**row, "version": version})
        label = f"{row['component']} {version}".strip()
        lines.append(f"{label}: {row['licence']}" + (f" ({row['notes']})" if row["notes"] else ""))
        if dist and dist != "python" and dist not in copied:
            copied.add(dist)
            files = _licence_files(dist)
            if files:
                target = out_dir / dist
                target.mkdir(exist_ok=True)
                for path in files:
                    shutil.copy2(path, target / path.name)
    (out_dir / "THIRD-PARTY-NOTICES.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with open(out_dir / "components.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["component", "distribution", "version", "licence", "notes"])
        writer.writeheader()
        writer.writerows(rows)
    return out_dir


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python packaging/collect_licenses.py OUT_DIR")
    print(collect(Path(sys.argv[1])))
