"""The face-descriptor network evaluated in NumPy gives dlib's own descriptors.

The weights are read from the shipped dlib model file; dlib's forward pass (built without BLAS
in the dlib-bin wheels) is the reference. A descriptor that drifted from dlib's would silently
move every identity figure in docs/validation.md, so the comparison is on real faces (colour,
greyscale, small and large) and on a noise chip that drives every layer far from a face.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from photocompare.core.errors import ModelMissing
from photocompare.core.face import FaceAnalyzer
from photocompare.core.identity import (
    _FIVE_POINTS,
    CHIP_PADDING,
    CHIP_SIZE_PX,
    IdentityModel,
    ResNetDescriptor,
    find_identity_model,
)
from photocompare.core.images import load_rgb
from tests.conftest import shared_path

dlib = pytest.importorskip("dlib")

EXAMPLES = ("faces", "face_recognition-examples", "examples")
PHOTOS = [
    EXAMPLES + ("obama-480p.jpg",),
    EXAMPLES + ("biden.jpg",),
    EXAMPLES + ("knn_examples", "train", "rose_leslie", "img1.jpg"),
    ("faces", "orl", "s2", "1.pgm"),
    ("faces", "orl", "s5", "7.pgm"),
]


@pytest.fixture(scope="module")
def reference():
    return dlib.face_recognition_model_v1(str(find_identity_model()))


@pytest.fixture(scope="module")
def net():
    return ResNetDescriptor(find_identity_model())


def _dlib_shape(landmarks_px: np.ndarray):
    pts = np.asarray(landmarks_px, float)[:, :2]
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    parts = [dlib.point(int(round(pts[i, 0])), int(round(pts[i, 1]))) for i in _FIVE_POINTS]
    return dlib.full_object_detection(dlib.rectangle(int(x0), int(y0), int(x1), int(y1)), parts)


def _rgb(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


@pytest.mark.parametrize("parts", PHOTOS, ids=lambda p: p[-1])
def test_descriptor_equals_dlibs_on_real_faces(parts, reference, net):
    path = shared_path(*parts)
    image = load_rgb(path)
    with FaceAnalyzer() as analyzer:
        measures = analyzer.analyze(image, path=path)
    assert measures.face is not None, path
    landmarks = measures.face.landmarks_px.copy()
    landmarks[:, :2] *= measures.analysis_scale
    rgb = np.ascontiguousarray(np.asarray(image.rgb)[:, :, :3])
    shape = _dlib_shape(landmarks)
    expected = np.array(reference.compute_face_descriptor(rgb, shape, 0, CHIP_PADDING))
    chip = np.array(dlib.get_face_chip(rgb, shape, CHIP_SIZE_PX, CHIP_PADDING))
    assert np.linalg.norm(net.describe_chip(chip) - expected) < 1e-4
    # The app's path (crop around the face, chip cut on the model's thread) gives the same.
    got = IdentityModel.shared().describe(image.rgb, landmarks)
    assert got.shape == (128,) and got.dtype == np.float32
    assert np.linalg.norm(got - expected) < 1e-4


def test_descriptor_equals_dlibs_on_a_noise_chip(reference, net):
    chip = np.random.default_rng(7).integers(0, 256, (CHIP_SIZE_PX, CHIP_SIZE_PX, 3), np.uint8)
    expected = np.array(reference.compute_face_descriptor(chip))
    assert np.linalg.norm(net.describe_chip(chip) - expected) < 1e-4


def test_a_chip_of_the_wrong_size_is_refused(net):
    with pytest.raises(ValueError, match="150"):
        net.describe_chip(np.zeros((112, 112, 3), np.uint8))


@pytest.mark.parametrize("damage", ["truncated", "other network"])
def test_a_damaged_model_file_is_one_clear_error(tmp_path, damage):
    data = find_identity_model().read_bytes()
    bad = tmp_path / "dlib_face_recognition_resnet_model_v1.dat"
    if damage == "truncated":
        bad.write_bytes(data[: len(data) // 2])
    else:
        # The landmark model: a real model file, but not this network.
        bad.write_bytes((find_identity_model().parent / "face_landmarker.task").read_bytes())
    with pytest.raises(ModelMissing) as err:
        ResNetDescriptor(bad)
    message = str(err.value)
    assert str(bad) in message and "\n" not in message


def test_check_with_a_damaged_model_says_so_in_one_line(tmp_path, monkeypatch, capsys):
    # The descriptors are computed on a helper thread; its error must still reach the command
    # line as one line and exit code 2, not as a traceback or a hang.
    from photocompare.cli import main

    bad = tmp_path / "dlib_face_recognition_resnet_model_v1.dat"
    bad.write_bytes(find_identity_model().read_bytes()[:1_000_000])
    monkeypatch.setenv("PHOTOCOMPARE_IDENTITY_MODEL", str(bad))
    monkeypatch.setattr(IdentityModel, "_shared", None)
    before = str(shared_path(*EXAMPLES, "obama-480p.jpg"))
    after = str(shared_path(*EXAMPLES, "obama-720p.jpg"))
    assert main(["check", before, after, "--json"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(bad) in err and "Traceback" not in err
