"""`python -m benchmarks [--json] [--quick] [--only P1,P2] [--profile P1]`: the performance report.

These machines are noisy, so every time is the median of several repeats and is compared with a
baseline measured in the same run on the same file (an OpenCV full decode, `cv2.imread`, of the
12 MP photo). Each part degrades to "n/a: reason" when a piece it needs is missing; the script
never crashes. With `--json` the last line is one JSON object with the keys P1_ratio, P2_ratio,
P3_photos_per_s, P3_max_stall_ms, P4_sheet_s, P4_peak_mb, P5_startup_ratio, P6_hot_folder_s,
P7_live_ratio, P7_live_fps (null when not measured) and details.

P5 is the start-up of the command line: `python -m photocompare info PHOTO --json` in a fresh
interpreter against `python -c "import numpy, PIL.Image"` (what reading a photo's header needs
anyway), so the figure says how much the CLI adds on top of the libraries it cannot avoid.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import photos

ROOT = Path(__file__).resolve().parents[1]

TARGETS = {
    "P1_ratio": ("<=", 1.0),
    "P2_ratio": ("<=", 3.0),  # includes the same-person check (face descriptors)
    "P3_photos_per_s": (">=", 20.0),
    "P3_max_stall_ms": ("<=", 50.0),
    "P4_sheet_s": ("<=", 1.0),
    "P4_peak_mb": ("<=", 1024.0),
    "P5_startup_ratio": ("<=", 3.0),
    "P6_hot_folder_s": ("<=", 1.0),
    "P7_live_ratio": (">=", 0.8),
    "P7_live_fps": (">=", 15.0),
}
KEYS = list(TARGETS)


@dataclass
class Config:
    quick: bool = False
    repeats: int = 7
    import_photos: int = 200
    import_size: tuple[int, int] = photos.TWELVE_MP
    browse_photos: int = 1000
    browse_size: tuple[int, int] = (2048, 1536)
    workers: int = 2
    hot_drops: int = 20
    live_frames: int = 300
    live_repeats: int = 3
    profile: set[str] = field(default_factory=set)

    @classmethod
    def make(cls, quick: bool, profile: set[str]) -> Config:
        if quick:
            return cls(quick=True, repeats=3, import_photos=24, browse_photos=60,
                       browse_size=(1600, 1200), hot_drops=4, live_frames=60, live_repeats=1,
                       profile=profile)
        return cls(profile=profile)


@dataclass
class Row:
    part: str
    what: str
    value: str
    baseline: str
    figure: str
    target: str
    verdict: str


class NotAvailable(Exception):
    """A part cannot run here (a module or the test data is missing)."""


def paired(subject: Callable[[], object], baseline: Callable[[], object], repeats: int
           ) -> tuple[float, float, float]:
    """Median subject time, median baseline time, and the median of per-repeat ratios.

    Baseline and subject alternate within each repeat, so a burst of load from elsewhere on
    the machine hits both and the ratio stays meaningful while absolute times drift.
    """
    subject()
    baseline()
    subj, base, ratios = [], [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        baseline()
        t1 = time.perf_counter()
        subject()
        t2 = time.perf_counter()
        base.append(t1 - t0)
        subj.append(t2 - t1)
        ratios.append((t2 - t1) / (t1 - t0))
    return statistics.median(subj), statistics.median(base), statistics.median(ratios)


def _profiled(name: str, cfg: Config, func: Callable[[], object]) -> None:
    if name not in cfg.profile:
        return
    profiler = cProfile.Profile()
    profiler.enable()
    func()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
    print(f"--- profile of {name} (cumulative, top 25) ---", file=sys.stderr)
    print(out.getvalue(), file=sys.stderr)


def _verdict(key: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    op, limit = TARGETS[key]
    ok = value <= limit if op == "<=" else value >= limit
    return "ok" if ok else "MISSED"


def _target_text(key: str, unit: str = "") -> str:
    op, limit = TARGETS[key]
    return f"{'≤' if op == '<=' else '≥'} {limit:g}{unit}"


class Bench:
    def __init__(self, cfg: Config, workdir: Path) -> None:
        self.cfg = cfg
        self.workdir = workdir
        self.results: dict[str, float | None] = dict.fromkeys(KEYS)
        self.details: dict[str, object] = {}
        self.rows: list[Row] = []
        self._analyzer = None
        self._photo: Path | None = None
        self._after: Path | None = None
        self._pair = None

    # -- shared inputs ----------------------------------------------------------------------
    def photo(self) -> Path:
        if self._photo is None:
            rgb = photos.camera_like_rgb(photos.TWELVE_MP, seed=1)
            self._photo = photos.encode_jpeg(rgb, self.workdir / "before-12mp.jpg", 1)
            after = photos.rotated_copy(rgb, 3.0, shift_px=(40, -25), scale=1.03)
            self._after = photos.encode_jpeg(after, self.workdir / "after-12mp.jpg", 2)
            self.details["photo"] = {
                "source": str(photos.source_face()),
                "size_px": list(photos.TWELVE_MP),
                "bytes": self._photo.stat().st_size,
            }
        return self._photo

    def decode(self) -> None:
        """Baseline: OpenCV full decode of the 12 MP photo."""
        import cv2

        if cv2.imread(str(self.photo()), cv2.IMREAD_COLOR) is None:
            raise NotAvailable("OpenCV cannot decode the test photo")

    def _note_decode(self, base: float) -> None:
        self.details.setdefault("decode_ms", []).append(round(base * 1000, 1))

    def analyzer(self):
        if self._analyzer is None:
            try:
                from photocompare.core.face import FaceAnalyzer
            except ImportError as exc:
                raise NotAvailable(f"core.face missing ({exc})") from None
            self._analyzer = FaceAnalyzer()
        return self._analyzer

    def close(self) -> None:
        if self._analyzer is not None:
            self._analyzer.close()
            self._analyzer = None

    # -- parts -----------------------------------------------------------------------------
    def p1(self) -> None:
        analyzer = self.analyzer()
        path = str(self.photo())
        measures = analyzer.analyze(path)
        if getattr(measures, "face", None) is None:
            raise NotAvailable("the 12 MP test photo's face was not found")
        analysis, base, ratio = paired(lambda: analyzer.analyze(path), self.decode,
                                       self.cfg.repeats)
        self._note_decode(base)
        _profiled("P1", self.cfg, lambda: [analyzer.analyze(path) for _ in range(5)])
        self.results["P1_ratio"] = ratio
        self.details["P1_analysis_ms"] = analysis * 1000
        self.rows.append(Row("P1", "analysis of one 12 MP photo", f"{analysis * 1000:.0f} ms",
                             f"decode {base * 1000:.0f} ms", f"{ratio:.2f}×",
                             _target_text("P1_ratio", "×"), _verdict("P1_ratio", ratio)))

    def p2(self) -> None:
        try:
            from photocompare.core.pairing import compare_photos
        except ImportError as exc:
            raise NotAvailable(f"core.pairing missing ({exc})") from None
        analyzer = self.analyzer()
        before, after = str(self.photo()), str(self._after)
        self._pair = compare_photos(before, after, analyzer, align=True)
        if getattr(self._pair, "alignment", None) is None:
            raise NotAvailable("the pair check found no alignment for the test pair")
        pair_s, base, ratio = paired(
            lambda: compare_photos(before, after, analyzer, align=True), self.decode,
            self.cfg.repeats,
        )
        self._note_decode(base)
        _profiled("P2", self.cfg, lambda: [compare_photos(before, after, analyzer, align=True)
                                           for _ in range(3)])
        self.results["P2_ratio"] = ratio
        self.details["P2_pair_ms"] = pair_s * 1000
        self.details["P2_alignment_rotation_deg"] = float(self._pair.alignment.rotation_deg)
        self.rows.append(Row("P2", "pair check with alignment and identity (12 MP)", f"{pair_s * 1000:.0f} ms",
                             f"decode {base * 1000:.0f} ms", f"{ratio:.2f}×",
                             _target_text("P2_ratio", "×"), _verdict("P2_ratio", ratio)))
        # As the app runs once a photo's face descriptor is stored in the library (computed
        # once per photo): the same pair check with the descriptors taken from a cache.
        store: dict = {}

        def cached(key, compute):
            if key not in store:
                store[key] = compute()
            return store[key]

        def warm():
            return compare_photos(before, after, analyzer, align=True, descriptor_cache=cached,
                                  descriptor_keys=(before, after))

        warm()
        warm_s, base_w, ratio_w = paired(warm, self.decode, self.cfg.repeats)
        self.details["P2_stored_descriptors_ratio"] = ratio_w
        self.details["P2_stored_descriptors_ms"] = warm_s * 1000
        self.rows.append(Row("P2", "  … with stored face descriptors", f"{warm_s * 1000:.0f} ms",
                             f"decode {base_w * 1000:.0f} ms", f"{ratio_w:.2f}×", "", ""))

    def p3(self) -> None:
        _need("photocompare.ui.main_window", "photocompare.library.importer")
        count = self.cfg.import_photos
        folder = self.workdir / "import-photos"
        started = time.perf_counter()
        files = photos.make_variants(folder, count, self.cfg.import_size, self.cfg.workers)
        made_s = time.perf_counter() - started
        size_mb = statistics.mean(p.stat().st_size for p in files) / 1e6
        library = self.workdir / "import-library"
        result = _probe(["import", "--library", str(library), "--photos", str(folder)],
                        timeout=900, profile="P3" in self.cfg.profile)
        if result.get("timed_out") or not result.get("imported"):
            raise NotAvailable(f"import did not finish: {result}")
        rate, stall = result["photos_per_s"], result["max_stall_ms"]
        self.results["P3_photos_per_s"] = rate
        self.results["P3_max_stall_ms"] = stall
        mp = self.cfg.import_size[0] * self.cfg.import_size[1] / 1e6
        self.details["P3"] = {**result, "photo_mp": mp, "photo_mb": size_mb, "made_s": made_s}
        what = f"import {result['imported']} × {mp:.0f} MP ({size_mb:.1f} MB) in GUI"
        self.rows.append(Row("P3", what, f"{result['seconds']:.1f} s", "—", f"{rate:.1f} photos/s",
                             _target_text("P3_photos_per_s", "/s"),
                             _verdict("P3_photos_per_s", rate)))
        idle = result.get("idle_max_stall_ms")
        idle_text = f"idle {idle:.0f} ms" if idle is not None else "—"
        self.rows.append(Row("P3", f"longest GUI stall while importing ({TICK_TEXT} timer)",
                             f"{stall:.0f} ms", idle_text, f"{stall:.0f} ms",
                             _target_text("P3_max_stall_ms", " ms"),
                             _verdict("P3_max_stall_ms", stall)))

    def p4_sheet(self) -> None:
        try:
            from photocompare.export.sheet import build_sheet_data, render_pdf
        except ImportError as exc:
            raise NotAvailable(f"export.sheet missing ({exc})") from None
        if self._pair is None:
            self.p2_pair_only()
        before, after = str(self.photo()), str(self._after)
        out = self.workdir / "sheet.pdf"

        def sheet() -> None:
            data = build_sheet_data(self._pair, before_path=before, after_path=after,
                                    patient_id="BENCH-1", notes="benchmark")
            render_pdf(data, out)

        sheet_s, base, ratio = paired(sheet, self.decode, self.cfg.repeats)
        self._note_decode(base)
        _profiled("P4", self.cfg, lambda: [sheet() for _ in range(3)])
        self.results["P4_sheet_s"] = sheet_s
        self.details["P4_sheet_ratio"] = ratio
        self.details["P4_sheet_pdf_bytes"] = out.stat().st_size
        self.rows.append(Row("P4", "comparison sheet, two 12 MP photos (PDF)", f"{sheet_s:.2f} s",
                             f"decode {base * 1000:.0f} ms", f"{ratio:.1f}× decode",
                             _target_text("P4_sheet_s", " s"), _verdict("P4_sheet_s", sheet_s)))

    def p5_startup(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            x for x in (str(ROOT), env.get("PYTHONPATH", "")) if x
        )
        photo = str(self.photo())
        info_cmd = [sys.executable, "-m", "photocompare", "info", photo, "--json"]
        base_cmd = [sys.executable, "-c", "import numpy, PIL.Image"]

        def run(cmd: list[str]) -> None:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env,
                                  cwd=ROOT)
            if proc.returncode != 0:
                tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
                raise NotAvailable(f"{' '.join(cmd[1:3])} exited {proc.returncode}: {tail}")

        info_s, base_s, ratio = paired(lambda: run(info_cmd), lambda: run(base_cmd),
                                       self.cfg.repeats)
        self.results["P5_startup_ratio"] = ratio
        self.details["P5_info_ms"] = round(info_s * 1000, 1)
        self.details["P5_numpy_pil_ms"] = round(base_s * 1000, 1)
        self.rows.append(Row("P5", "CLI start-up: `photocompare info PHOTO --json`",
                             f"{info_s * 1000:.0f} ms", f"import numpy, PIL {base_s * 1000:.0f} ms",
                             f"{ratio:.2f}×", _target_text("P5_startup_ratio", "×"),
                             _verdict("P5_startup_ratio", ratio)))

    def p2_pair_only(self) -> None:
        from photocompare.core.pairing import compare_photos

        self._pair = compare_photos(str(self.photo()), str(self._after), self.analyzer(), align=True)

    def p4_memory(self) -> None:
        _need("photocompare.ui.main_window", "photocompare.library.importer")
        from photocompare.library.db import Library
        from photocompare.library.importer import import_paths

        count = self.cfg.browse_photos
        folder = self.workdir / "browse-photos"
        files = photos.make_variants(folder, count, self.cfg.browse_size, self.cfg.workers)
        library_dir = self.workdir / "browse-library"
        library = Library.open(library_dir)
        try:
            summary = import_paths(library, files, "BENCH-1")
        finally:
            library.close()
        imported = len(summary.imported)
        if imported < count:
            raise NotAvailable(f"only {imported} of {count} photos imported: {summary.rejected[:1]}")
        result = _probe(["browse", "--library", str(library_dir)], timeout=900)
        peak = result["peak_rss_mb"]
        self.results["P4_peak_mb"] = peak
        self.details["P4_browse"] = result
        w, h = self.cfg.browse_size
        what = f"peak memory browsing {result['photos']} photos ({w * h / 1e6:.1f} MP) in the GUI"
        self.rows.append(Row("P4", what, f"{peak:.0f} MB", "—", f"{peak:.0f} MB",
                             _target_text("P4_peak_mb", " MB"), _verdict("P4_peak_mb", peak)))

    def p6_hot_folder(self) -> None:
        _need("photocompare.core.hot_folder", "photocompare.library.hot_folder_import")
        from benchmarks.capture import hot_folder_latency

        result = hot_folder_latency(self.workdir, self.cfg.hot_drops, self.photo(),
                                    self.cfg.workers)
        median = result["median_s"]
        self.results["P6_hot_folder_s"] = median
        self.details["P6"] = result
        self.rows.append(Row("P6", f"hot folder: 12 MP photo closed → verdict line "
                                   f"(median of {result['drops']})",
                             f"{median:.2f} s", f"decode {result['decode_median_s'] * 1000:.0f} ms",
                             f"{median / result['decode_median_s']:.1f}× decode",
                             _target_text("P6_hot_folder_s", " s"),
                             _verdict("P6_hot_folder_s", median)))

    def p7_live(self) -> None:
        _need("photocompare.core.live_guide")
        from benchmarks.capture import live_fps

        result = live_fps(self.workdir, self.cfg.live_frames, self.cfg.live_repeats)
        self.results["P7_live_ratio"] = result["ratio"]
        self.results["P7_live_fps"] = result["fps"]
        self.details["P7"] = result
        self.rows.append(Row("P7", "live guidance, 1280×720 video, frames processed per second",
                             f"{result['fps']:.1f} fps",
                             f"bare landmarker {result['bare_fps']:.1f} fps",
                             f"{result['ratio']:.2f}×", _target_text("P7_live_ratio", "×"),
                             _verdict("P7_live_ratio", result["ratio"])))
        self.rows.append(Row("P7", "live guidance rate at 1280×720", f"{result['fps']:.1f} fps",
                             "—", f"{result['fps']:.1f} fps", _target_text("P7_live_fps", " fps"),
                             _verdict("P7_live_fps", result["fps"])))


TICK_TEXT = "5 ms"


def _need(*modules: str) -> None:
    import importlib

    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise NotAvailable(f"{name} missing ({exc})") from None


def _probe(args: list[str], timeout: float, profile: bool = False) -> dict:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    for name in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"):
        env.pop(name, None)
    cmd = [sys.executable]
    if profile:
        cmd += ["-m", "cProfile", "-s", "cumulative"]
        cmd += [str(ROOT / "benchmarks" / "gui_probe.py")]
    else:
        cmd += ["-m", "benchmarks.gui_probe"]
    proc = subprocess.run(cmd + args, capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=ROOT)
    if profile:
        print(proc.stdout[-12000:], file=sys.stderr)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise NotAvailable(f"GUI probe exited {proc.returncode}: {tail}")
    result = json.loads(lines[0])
    if "error" in result:
        raise NotAvailable(result["error"])
    return result


PARTS = [
    ("P1", "p1"),
    ("P2", "p2"),
    ("P3", "p3"),
    ("P4", "p4_sheet"),
    ("P4", "p4_memory"),
    ("P5", "p5_startup"),
    ("P6", "p6_hot_folder"),
    ("P7", "p7_live"),
]


def machine() -> dict[str, object]:
    info: dict[str, object] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    if hasattr(os, "getloadavg"):
        info["load_average_at_start"] = [round(x, 2) for x in os.getloadavg()]
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        info["memory_gb"] = round(int(mem) / 1024 / 1024, 1)
    except (OSError, IndexError, ValueError):
        pass
    return info


def print_table(rows: list[Row], out=sys.stdout) -> None:
    header = Row("part", "what", "measured", "baseline", "figure", "target", "verdict")
    table = [header, *rows]
    widths = [max(len(getattr(r, f)) for r in table) for f in Row.__dataclass_fields__]
    for i, row in enumerate(table):
        cells = [getattr(row, f).ljust(w) for f, w in zip(Row.__dataclass_fields__, widths, strict=True)]
        print("  ".join(cells).rstrip(), file=out)
        if i == 0:
            print("  ".join("-" * w for w in widths), file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="last line: one JSON object")
    parser.add_argument("--quick", action="store_true", help="fewer repeats and photos (smoke test)")
    parser.add_argument("--only", default="", help="comma-separated parts, e.g. P1,P2")
    parser.add_argument("--profile", default="", help="cProfile these parts (to stderr)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep the inputs")
    args = parser.parse_args(argv)
    only = {p.strip().upper() for p in args.only.split(",") if p.strip()}
    cfg = Config.make(args.quick, {p.strip().upper() for p in args.profile.split(",") if p.strip()})
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from photocompare.core import quiet  # noqa: F401  (native log levels before cv2/mediapipe)

    info = machine()
    load = info.get("load_average_at_start")
    print(f"PhotoCompare benchmarks ({'quick' if cfg.quick else 'full'}) on {info.get('cpu', '?')}, "
          f"{info['cpus']} CPUs, Python {info['python']}"
          + (f", load average {load[0]:.1f}" if load else ""), flush=True)
    with tempfile.TemporaryDirectory(prefix="photocompare-bench-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        bench = Bench(cfg, workdir)
        na: dict[str, str] = {}
        try:
            for part, method in PARTS:
                if only and part not in only:
                    continue
                started = time.perf_counter()
                try:
                    getattr(bench, method)()
                except NotAvailable as exc:
                    na[method] = str(exc)
                    bench.rows.append(Row(part, method, "n/a", "", "", "", f"n/a: {exc}"))
                except Exception as exc:  # a broken part reports, the others still run
                    na[method] = f"{type(exc).__name__}: {exc}"
                    if os.environ.get("PHOTOCOMPARE_DEBUG"):
                        traceback.print_exc()
                    bench.rows.append(Row(part, method, "n/a", "", "", "",
                                          f"n/a: {type(exc).__name__}: {exc}"))
                print(f"  {part} {method} done in {time.perf_counter() - started:.1f} s", flush=True)
        finally:
            bench.close()
    if hasattr(os, "getloadavg"):
        info["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print()
    print_table(bench.rows)
    if args.json:
        payload = {**{k: _round(v) for k, v in bench.results.items()},
                   "quick": cfg.quick, "not_available": na, "machine": info,
                   "details": bench.details}
        print(json.dumps(payload, default=str))
    return 0


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)
