"""View and expression labels are suggested from the face after an import (by the Qt-free core),
and a label edit is undoable."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
import subprocess
import sys

from photocompare.library import api as la  # noqa: E402
from tests.conftest import shared_path  # noqa: E402
from tests.ui.conftest import new_patient, run_import  # noqa: E402


def test_labels_are_suggested_from_head_pose_after_import_and_edit_is_undoable(qtbot, window):
    faces = shared_path("faces", "face_recognition-examples", "examples")
    new_patient(window)
    with qtbot.waitSignal(window.labels_suggested, timeout=60_000):
        run_import(qtbot, window, [faces / "obama-480p.jpg"])
    photo = la.list_photos(window.library, window.patient.id)[0]
    assert photo.view_label == "frontal"
    assert photo.expression_label == "smile"  # obama-480p is a broad smile
    window.edit_photo(photo.id, "view_label", "left-oblique")
    assert la.get_photo(window.library, photo.id).view_label == "left-oblique"
    window.undo_stack.undo()
    assert la.get_photo(window.library, photo.id).view_label == "frontal"
    window.undo_stack.redo()
    assert la.get_photo(window.library, photo.id).view_label == "left-oblique"
    assert window.grid_model.photo_at(0).view_label == "left-oblique"


def test_label_suggestions_live_in_the_qt_free_core():
    code = (
        "import sys; import photocompare.core.labels as m; "
        "assert not [n for n in sys.modules if n.startswith('PySide6')]; "
        "print(m.suggest_labels.__module__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "photocompare.core.labels"
    from photocompare.core import labels
    from photocompare.ui import inspector, label_suggest, pair_flow

    assert label_suggest.suggest_labels is labels.suggest_labels
    assert inspector.suggest_labels is labels.suggest_labels
    assert pair_flow.suggest_labels is labels.suggest_labels
