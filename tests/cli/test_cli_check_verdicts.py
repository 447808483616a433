"""`photocompare check`: the same-person check and the side-effect changes with their noise, in
the JSON contract and in the readable report."""

from __future__ import annotations

import json

from photocompare.cli import main
from tests.conftest import shared_path

EXAMPLES = ("faces", "face_recognition-examples", "examples")


def test_two_people_fail_identity_and_their_changes_are_withheld(capsys):
    before = str(shared_path(*EXAMPLES, "obama-720p.jpg"))
    after = str(shared_path(*EXAMPLES, "biden.jpg"))
    assert main(["check", before, after, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    ident = out["checks"]["identity"]
    assert ident["status"] == "fail" and ident["similarity"] < 0.4
    assert "different people" in ident["message"]
    assert out["consistent"] is False
    side = out["side_effects"]
    assert side["reliable"] is False and side["reason"]
    for m in side["measures"].values():
        assert set(m) == {"before_mm", "after_mm", "change_mm", "noise_mm", "beyond_noise"}
    assert isinstance(out["checks"]["lighting"]["exposure_diff_ev"], float)


def test_same_photo_at_two_sizes_reads_same_person_and_no_change(capsys):
    before = str(shared_path(*EXAMPLES, "obama-720p.jpg"))
    after = str(shared_path(*EXAMPLES, "obama-1080p.jpg"))
    assert main(["check", before, after]) == 0
    text = capsys.readouterr().out
    assert "PASS  identity    Same person" in text
    assert "Brow and eyelid: no change beyond measurement noise." in text
    assert "Comparable: yes" in text
