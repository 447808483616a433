"""The self-test, the icons, the desktop entry, the licence notices and the About dialog."""

from __future__ import annotations

import configparser
import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ICONS = ROOT / "resources" / "icons"


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.update(extra)
    return env


def test_self_test_from_source_passes_every_step(qapp):
    from photocompare.selftest import run_self_test

    out = io.StringIO()
    assert run_self_test(out) == 0, out.getvalue()
    text = out.getvalue()
    for step in ("model", "qt", "analyse", "library", "pair", "sheet"):
        assert f"self-test: {step:8s} ok:" in text, text
    assert "from source" in text
    assert "face found" in text
    assert "PDF" in text
    assert text.rstrip().endswith("self-test: all steps passed")


def test_self_test_renders_the_sheet_without_going_through_the_cli(tmp_path):
    """The self-test renders with the export module itself: the CLI imports the self-test, so
    the self-test importing the CLI would be a cycle."""
    code = (
        "import sys\n"
        "from photocompare import selftest\n"
        "print(sorted(m for m in sys.modules if m.startswith('photocompare.cli')))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], env=_env(), capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
    source = (ROOT / "photocompare" / "selftest.py").read_text(encoding="utf-8")
    assert "photocompare.cli" not in source and "ImportError" not in source


def test_main_py_self_test_routes_to_the_self_test_and_exits_0():
    proc = subprocess.run(
        [sys.executable, "main.py", "--self-test"], cwd=ROOT, env=_env(),
        capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "self-test: all steps passed" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_damaged_model_fails_the_self_test_with_a_reason_and_exit_1(tmp_path):
    bad = tmp_path / "face_landmarker.task"
    bad.write_bytes(b"not a model" * 100)
    proc = subprocess.run(
        [sys.executable, "-m", "photocompare", "--self-test"], cwd=ROOT,
        env=_env(PHOTOCOMPARE_MODEL=str(bad)), capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "model    FAILED" in proc.stdout
    assert "wrong SHA-256" in proc.stdout
    assert proc.stdout.rstrip().splitlines()[-1].startswith("self-test: FAILED (model")
    assert "Traceback" not in proc.stdout + proc.stderr


def test_app_icon_exists_in_every_size_and_as_ico_and_icns():
    from PIL import Image

    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        with Image.open(ICONS / f"photocompare-{size}.png") as im:
            assert im.size == (size, size)
            assert im.mode == "RGBA"
            assert im.getchannel("A").getextrema()[1] == 255  # not blank
    with Image.open(ICONS / "photocompare.ico") as ico:
        assert ico.format == "ICO"
        assert (256, 256) in ico.info["sizes"] and (16, 16) in ico.info["sizes"]
    with Image.open(ICONS / "photocompare.icns") as icns:
        assert icns.format == "ICNS"
        assert max(icns.info["sizes"])[0] >= 256
    assert (ICONS / "photocompare.svg").read_text().lstrip().startswith("<?xml")


def test_linux_desktop_entry_has_the_required_keys_and_names_the_icon():
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(ROOT / "packaging" / "linux" / "photocompare.desktop", encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Name"] == "PhotoCompare"
    assert entry["Exec"].split()[0] == "photocompare"
    assert entry["Icon"] == "photocompare"
    assert entry["Categories"].endswith(";")
    assert entry["Terminal"] == "false"


def test_licence_notices_are_collected_with_texts_from_the_installed_metadata(tmp_path):
    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        from collect_licenses import collect
    finally:
        sys.path.remove(str(ROOT / "packaging"))
    out = collect(tmp_path / "licenses")
    with open(out / "components.csv", newline="", encoding="utf-8") as fh:
        rows = {row["component"]: row for row in csv.DictReader(fh)}
    assert rows["Qt 6 libraries and plugins"]["licence"].startswith("LGPL-3.0")
    assert rows["OpenCV (opencv-contrib-python)"]["licence"] == "Apache-2.0"
    assert "Apache-2.0" in rows["MediaPipe face landmarker model (face_landmarker.task)"]["licence"]
    assert rows["NumPy"]["version"] and rows["NumPy"]["version"] != "not installed"
    assert (out / "LGPL-3.0.txt").read_text().startswith("                   GNU LESSER GENERAL")
    assert "Apache License" in (out / "mediapipe" / "LICENSE").read_text()
    assert (out / "opencv-contrib-python" / "LICENSE-3RD-PARTY.txt").stat().st_size > 10_000
    assert "Pillow" in (out / "THIRD-PARTY-NOTICES.txt").read_text()


def test_about_dialog_shows_version_and_the_bundled_licences(qtbot):
    from photocompare import __version__
    from photocompare.ui.about_dialog import AboutDialog

    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    assert __version__ in dialog.version_label.text()
    names = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    licences = [dialog.table.item(r, 2).text() for r in range(dialog.table.rowCount())]
    assert any("MediaPipe" in n for n in names)
    assert "LGPL-3.0-only" in licences and "Apache-2.0" in licences
    row = names.index("NumPy")
    assert dialog.table.item(row, 1).text()  # the installed version is shown
    assert dialog.texts_button.isEnabled()


@pytest.mark.parametrize("argv, expected", [
    ([], ["gui"]),
    (["--library", "X"], ["gui", "--library", "X"]),
    (["--self-test"], ["--self-test"]),
    (["--version"], ["--version"]),
])
def test_frozen_entry_point_starts_the_gui_unless_given_a_cli_command(argv, expected):
    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        import entry
    finally:
        sys.path.remove(str(ROOT / "packaging"))
    assert entry._argv_for_cli(argv) == expected


def test_linux_install_script_installs_the_bundle_menu_entry_and_icons(tmp_path):
    """install.sh on a stand-in bundle (same layout, a tiny executable) into a temporary home."""
    import shutil

    bundle = tmp_path / "dist" / "photocompare"
    (bundle / "_internal" / "resources").mkdir(parents=True)
    shutil.copytree(ICONS, bundle / "_internal" / "resources" / "icons")
    exe = bundle / "photocompare"
    exe.write_text("#!/bin/sh\necho photocompare-stand-in \"$@\"\n")
    exe.chmod(0o755)
    home = tmp_path / "home"
    env = dict(os.environ, HOME=str(home), XDG_DATA_HOME=str(home / "share"))
    proc = subprocess.run(["bash", str(ROOT / "packaging" / "linux" / "install.sh"), str(bundle)],
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    installed = home / ".local" / "opt" / "photocompare"
    link = home / ".local" / "bin" / "photocompare"
    assert link.is_symlink() and link.resolve() == (installed / "photocompare").resolve()
    assert subprocess.run([str(link), "--version"], capture_output=True, text=True).stdout.startswith(
        "photocompare-stand-in --version")
    desktop = (home / "share" / "applications" / "photocompare.desktop").read_text()
    assert f"Exec={home}/.local/bin/photocompare\n" in desktop
    for size in (16, 48, 256, 512):
        assert (home / "share" / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "photocompare.png").is_file()
    assert (home / "share" / "icons" / "hicolor" / "scalable" / "apps" / "photocompare.svg").is_file()
    # reinstalling over an existing installation works (the folder is replaced, not nested)
    again = subprocess.run(["bash", str(ROOT / "packaging" / "linux" / "install.sh"), str(bundle)],
                           env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    assert (installed / "photocompare").is_file()  # not a nested copy of the bundle folder
    assert sorted(p.name for p in installed.iterdir()) == ["_internal", "photocompare"]


def test_frozen_entry_refuses_an_invisible_gui_when_there_is_no_display(monkeypatch, capsys):
    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        import entry
    finally:
        sys.path.remove(str(ROOT / "packaging"))
    monkeypatch.setenv("PHOTOCOMPARE_QPA_FALLBACK", "1")  # what the runtime hook sets
    monkeypatch.setattr(sys, "argv", ["photocompare", "--demo"])
    assert entry.main() == 2
    assert "no display" in capsys.readouterr().err
