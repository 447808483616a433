"""PyInstaller runtime hook: environment fixes that must happen before any app import.

Runs inside the frozen app only, before the entry script. It
- makes the bundled `resources/` findable (core.model_file already looks in sys._MEIPASS);
- removes Qt variables a parent environment (or a previous cv2 import) may have left pointing at
  a foreign Qt 5 (opencv-contrib's cv2/qt folder is not bundled);
- picks a Qt platform that can start: on Linux without a display server, `offscreen`, so
  `--self-test` and the CLI work over SSH and in CI (the GUI itself then refuses to start with
  a message instead of running invisibly); a user-set QT_QPA_PLATFORM always wins;
- gives a windowed executable (no console) somewhere harmless to print to.
"""

import os
import sys

for _name in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"):
    os.environ.pop(_name, None)

if sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM"):
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        os.environ["PHOTOCOMPARE_QPA_FALLBACK"] = "1"  # the entry refuses an invisible GUI

# A windowed executable (Windows PhotoCompare.exe, the macOS .app) has no stdout/stderr.
if sys.stdout is None:
    sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
if sys.stderr is None:
    sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115

os.environ.setdefault("PHOTOCOMPARE_FROZEN", "1")
