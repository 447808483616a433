"""core.labels: view and expression suggestions from the face measures (Qt-free)."""

from __future__ import annotations

from types import SimpleNamespace as NS

from photocompare.core.labels import suggest_labels


def test_label_suggestions_follow_yaw_and_expression():
    def m(yaw, smile=0.85, brow=0.25, eye=0.12, mouth=0.05):
        expr = NS(mouth_open_iod=mouth, smile_width_iod=smile, eye_open_iod=eye, brow_raise_iod=brow)
        return NS(face=NS(yaw_deg=yaw, expression=expr))

    assert suggest_labels(m(2)) == ("frontal", "neutral")
    assert suggest_labels(m(30))[0] == "right-oblique"
    assert suggest_labels(m(-30))[0] == "left-oblique"
    assert suggest_labels(m(-80))[0] == "left-lateral"
    assert suggest_labels(m(0, smile=1.25, mouth=0.2))[1] == "smile"
    assert suggest_labels(m(0, eye=0.01))[1] == "eyes-closed"
    assert suggest_labels(m(0, brow=0.5))[1] == "raised-brows"
    assert suggest_labels(NS(face=None)) == (None, None)


def test_the_ui_module_still_re_exports_the_core_suggestions():
    from photocompare.core import labels
    from photocompare.ui import label_suggest

    assert label_suggest.suggest_labels is labels.suggest_labels
    assert label_suggest.FRONTAL_MAX_YAW_DEG == labels.FRONTAL_MAX_YAW_DEG
