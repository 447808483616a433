"""Guidance words and the single-slot hand-off, on exact inputs (no model needed)."""

from __future__ import annotations

import threading
import time

from photocompare.core.live_evaluate import FrameGuidance
from photocompare.core.live_guide import _Handoff, parse_source
from photocompare.core.live_words import guidance_words


def g(**kw) -> FrameGuidance:
    base = dict(index=0, face=True, yaw_diff_deg=0.0, pitch_diff_deg=0.0, roll_diff_deg=0.0,
                scale_ratio=1.0, offset_iod=0.0, exposure_diff_ev=0.0, ready=True,
                offset_x_iod=0.0, offset_y_iod=0.0)
    base.update(kw)
    return FrameGuidance(**base)


def test_words_say_what_to_change_in_the_patients_terms():
    # turned 5° further to the patient's left than the baseline -> turn back to the right
    assert guidance_words(g(yaw_diff_deg=5.2, ready=False)) == ["turn 5° to the patient's right"]
    assert guidance_words(g(yaw_diff_deg=-4.0, ready=False)) == ["turn 4° to the patient's left"]
    assert guidance_words(g(pitch_diff_deg=3.6, ready=False)) == ["chin down 4°"]
    assert guidance_words(g(pitch_diff_deg=-3.4, ready=False)) == ["chin up 3°"]
    assert guidance_words(g(roll_diff_deg=-18.0, ready=False)) == [
        "straighten the head 18° counter-clockwise"
    ]
    assert guidance_words(g(scale_ratio=0.8, ready=False)) == ["move closer"]
    assert guidance_words(g(scale_ratio=1.2, ready=False)) == ["move back"]
    assert guidance_words(g(exposure_diff_ev=-1.0, ready=False)) == ["1 stop too dark"]
    assert guidance_words(g(exposure_diff_ev=0.52, ready=False)) == ["0.5 stops too bright"]
    assert guidance_words(g(offset_iod=2.0, offset_x_iod=2.0, ready=False)) == [
        "move the face left in the frame (2.0 eye-distances)"
    ]
    # within the pass thresholds: nothing to change (roll up to 15° is corrected by alignment)
    assert guidance_words(g(yaw_diff_deg=2.9, pitch_diff_deg=-2.9, roll_diff_deg=10.0,
                            scale_ratio=1.09, exposure_diff_ev=0.3)) == ["matches the baseline"]
    assert guidance_words(g(face=False, ready=False)) == ["no face in view"]


def test_json_line_has_exactly_the_contract_keys():
    line = g(yaw_diff_deg=1.234567).to_json()
    assert list(line) == ["event", "index", "face", "yaw_diff_deg", "pitch_diff_deg",
                          "roll_diff_deg", "scale_ratio", "offset_iod", "exposure_diff_ev", "ready"]
    assert line["event"] == "frame" and line["yaw_diff_deg"] == 1.2346
    none = FrameGuidance(3, False, None, None, None, None, None, None, False).to_json()
    assert none["face"] is False and none["roll_diff_deg"] is None and none["ready"] is False


def test_handoff_drops_the_untaken_item_or_waits():
    drop = _Handoff(drop=True)
    for i in range(5):
        assert drop.put(i)
    assert drop.get() == 4 and drop.dropped == 4  # only the newest survives
    drop.close()
    assert drop.get() is None

    keep = _Handoff(drop=False)
    keep.put("a")
    took: list[str] = []

    def later() -> None:
        time.sleep(0.2)
        took.append(keep.get())

    t = threading.Thread(target=later)
    t.start()
    started = time.monotonic()
    keep.put("b")  # waits until "a" has been taken
    assert time.monotonic() - started >= 0.15 and took == ["a"] and keep.dropped == 0
    assert keep.get() == "b"
    t.join()


def test_source_parsing():
    assert parse_source("0") == 0 and parse_source(2) == 2
    assert parse_source("clip.avi") == "clip.avi"


def test_other_failing_checks_are_reworded_for_the_live_picture():
    words = guidance_words(g(
        ready=False,
        statuses={"sharpness": "warn", "expression": "fail"},
        messages={"sharpness": "The after photo is blurrier (facial detail 30% lower)",
                  "expression": "Mouth more open in the after photo"},
    ))
    assert words == ["Mouth more open than in the baseline",
                     "The picture is blurrier than the baseline (facial detail 30% lower)"]
