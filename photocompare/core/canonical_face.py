"""MediaPipe's canonical face model, read from the shipped landmark model file.

`face_landmarker.task` (a zip; Apache-2.0) holds `geometry_pipeline_metadata_landmarks.binarypb`:
the canonical face mesh (468 vertices in cm; y up, the face looking along +z; 898 triangles) and
the weighted landmarks the landmarker's own pose fit (Procrustes) uses — the rigid part of the
face (nose, forehead, eye corners, cheekbones; no lips, no jaw). Read with a tiny protobuf
reader so no schema or extra package is needed; cached after the first read. A model file
without it (or not a zip) raises `CanonicalFaceUnavailable`, so callers can fall back.
"""

from __future__ import annotations

import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from photocompare.core.model_file import find_model

_METADATA = "geometry_pipeline_metadata_landmarks.binarypb"


class CanonicalFaceUnavailable(RuntimeError):
    """The landmark model file holds no readable canonical face."""


@lru_cache(maxsize=4)
def _metadata(model: Path | None = None) -> bytes:
    try:
        with zipfile.ZipFile(model or find_model()) as z:
            return z.read(_METADATA)
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise CanonicalFaceUnavailable(f"no canonical face in the landmark model: {exc}") from None


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, i
        shift += 7


def _fields(buf: bytes):
    """(field number, wire type, value) of one protobuf message, without a schema."""
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 1:
            value, i = buf[i : i + 8], i + 8
        elif wire == 2:
            n, i = _varint(buf, i)
            value, i = buf[i : i + n], i + n
        elif wire == 5:
            value, i = buf[i : i + 4], i + 4
        else:
            raise ValueError(f"unexpected protobuf wire type {wire}")
        yield field, wire, value


@lru_cache(maxsize=4)
def canonical_mesh(model: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(vertices (468, 3) in cm, triangles (T, 3) vertex indices) of the canonical face.

    GeometryPipelineMetadata field 1 is the Mesh3d: field 3 its vertex buffer (x, y, z, u, v
    per vertex, packed floats), field 4 its triangle index buffer (packed varints)."""
    mesh = next((v for f, w, v in _fields(_metadata(model)) if f == 1 and w == 2), None)
    if mesh is None:
        raise CanonicalFaceUnavailable("the landmark model's geometry metadata has no mesh")
    floats: list[float] = []
    indices: list[int] = []
    for f, w, v in _fields(mesh):
        if f == 3 and w == 2:
            floats.extend(np.frombuffer(v, dtype="<f4").tolist())
        elif f == 3 and w == 5:
            floats.append(float(np.frombuffer(v, dtype="<f4")[0]))
        elif f == 4 and w == 2:
            j = 0
            while j < len(v):
                n, j = _varint(v, j)
                indices.append(n)
        elif f == 4 and w == 0:
            indices.append(v)
    vertices = np.asarray(floats, dtype=float).reshape(-1, 5)[:, :3]
    triangles = np.asarray(indices, dtype=int).reshape(-1, 3)
    return vertices, triangles


@lru_cache(maxsize=4)
def procrustes_basis(model: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(landmark indices, weights) of the rigid landmarks the landmarker's pose fit uses
    (GeometryPipelineMetadata field 2: WeightedLandmarkRef{1: landmark_id, 2: weight})."""
    ids, weights = [], []
    for f, w, v in _fields(_metadata(model)):
        if f == 2 and w == 2:
            ref = {ff: vv for ff, _, vv in _fields(v)}
            ids.append(int(ref.get(1, 0)))
            weights.append(float(np.frombuffer(ref[2], dtype="<f4")[0]) if 2 in ref else 0.0)
    return np.asarray(ids, dtype=int), np.asarray(weights, dtype=float)
