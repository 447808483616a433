"""Build the one-folder app: ``python packaging/build.py [--clean]`` -> dist/photocompare/.

Runs PyInstaller on packaging/photocompare.spec with build/ as work folder and dist/ as output
(both under the repository root), then prints the bundle's size and the largest parts, and
(on Linux/macOS, unless --no-self-test) runs the frozen `--self-test` offscreen.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "photocompare.spec"
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"


def bundle_dir(dist: Path = DIST) -> Path:
    if sys.platform == "darwin":
        return dist / "PhotoCompare.app"
    return dist / "photocompare"


def executable(dist: Path = DIST) -> Path:
    """The console-capable executable (what `--self-test` and the CLI run)."""
    if sys.platform == "darwin":
        return bundle_dir(dist) / "Contents" / "MacOS" / "photocompare"
    if sys.platform.startswith("win"):
        return bundle_dir(dist) / "photocompare-cli.exe"
    return bundle_dir(dist) / "photocompare"


def tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def largest_parts(path: Path, top: int = 8) -> list[tuple[int, str]]:
    internal = path / "_internal" if (path / "_internal").is_dir() else path
    sizes = []
    for child in internal.iterdir():
        if child.is_symlink():
            continue
        size = tree_size(child) if child.is_dir() else child.stat().st_size
        sizes.append((size, child.name))
    return sorted(sizes, reverse=True)[:top]


def build(clean: bool = False, dist: Path = DIST, work: Path = WORK) -> float:
    """Run PyInstaller; returns the seconds it took."""
    cmd = [
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
        "--distpath", str(dist), "--workpath", str(work),
    ]
    if clean:
        cmd.append("--clean")
    cmd.append(str(SPEC))
    started = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT)
    return time.perf_counter() - started


def self_test(dist: Path = DIST) -> int:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return subprocess.run([str(executable(dist)), "--self-test"], env=env).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean", action="store_true", help="empty PyInstaller's cache first")
    parser.add_argument("--no-self-test", action="store_true", help="do not run the frozen self-test")
    parser.add_argument("--dist", type=Path, default=DIST, help="output folder (default dist/)")
    parser.add_argument("--work", type=Path, default=WORK, help="work folder (default build/pyinstaller)")
    args = parser.parse_args()
    seconds = build(clean=args.clean, dist=args.dist.resolve(), work=args.work.resolve())
    out = bundle_dir(args.dist.resolve())
    size = tree_size(out)
    print(f"built {out} in {seconds:.0f} s; bundle size {size / 1e6:.0f} MB")
    for part_size, name in largest_parts(out):
        print(f"  {part_size / 1e6:7.1f} MB  {name}")
    if args.no_self_test or sys.platform.startswith("win"):
        return 0
    return self_test(args.dist.resolve())


if __name__ == "__main__":
    raise SystemExit(main())
