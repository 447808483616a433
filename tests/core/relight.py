"""Relighting a real face with exact ground truth: Lambertian shading from the MediaPipe mesh.

The photo is taken as the face's albedo (its own lighting included — it is the same in both
photos, so it cancels in a pair). Surface normals come from the 478 landmarks (x, y in px, z in
px, MediaPipe's depth): Delaunay triangles of the 2-D points, triangle normals from the 3-D
points, vertex normals as the mean of their triangles' normals, interpolated linearly to every
pixel inside the mesh. A photo lit from unit direction L (camera frame: x right, y up, z towards
the camera) is  linear RGB × (ambient + (1 − ambient)·max(0, n·L)) / norm,  and outside the mesh
the normal of a plane facing the camera is used, feathered over a few pixels so no seam is
drawn. `norm` keeps the median face brightness unchanged, so a move of the light is not also an
exposure change. The angle between two light directions is the exact ground truth of a move.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from scipy.interpolate import LinearNDInterpolator
from scipy.spatial import Delaunay

from photocompare.core.measures import srgb_to_linear
from tests.core.face_synth import encode_linear


def normal_map(shape: tuple[int, int], landmarks_px: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(h, w, 3) unit normals in the camera frame and the (h, w) weight of the mesh (0..1)."""
    h, w = shape
    pts = np.asarray(landmarks_px, float)
    xyz = np.stack([pts[:, 0], -pts[:, 1], -pts[:, 2]], axis=1)  # y up, z towards the camera
    tri = Delaunay(pts[:, :2])
    a, b, c = (xyz[tri.simplices[:, k]] for k in range(3))
    fn = np.cross(b - a, c - a)
    fn[fn[:, 2] < 0] *= -1  # every triangle faces the camera side
    vn = np.zeros_like(xyz)
    for k in range(3):
        np.add.at(vn, tri.simplices[:, k], fn)
    vn /= np.maximum(np.linalg.norm(vn, axis=1, keepdims=True), 1e-9)
    x0, y0 = np.floor(pts[:, :2].min(axis=0)).astype(int)
    x1, y1 = np.ceil(pts[:, :2].max(axis=0)).astype(int)
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1 + 1), min(h, y1 + 1)
    yy, xx = np.mgrid[y0:y1, x0:x1]
    interp = LinearNDInterpolator(tri, vn)
    local = interp(np.stack([xx.ravel(), yy.ravel()], axis=1)).reshape(y1 - y0, x1 - x0, 3)
    normals = np.zeros((h, w, 3))
    normals[..., 2] = 1.0
    inside = np.zeros((h, w), np.float32)
    ok = ~np.isnan(local[..., 0])
    sub = normals[y0:y1, x0:x1]
    sub[ok] = local[ok]
    inside[y0:y1, x0:x1][ok] = 1.0
    iod = float(np.linalg.norm(pts[263, :2] + pts[362, :2] - pts[33, :2] - pts[133, :2]) / 2)
    feather = max(1.0, 0.1 * iod)
    weight = cv2.GaussianBlur(inside, (0, 0), feather) * inside
    normals = normals * weight[..., None] + np.array([0, 0, 1.0]) * (1 - weight[..., None])
    normals /= np.maximum(np.linalg.norm(normals, axis=2, keepdims=True), 1e-9)
    return normals, inside


def light_direction(azimuth_deg: float, elevation_deg: float) -> np.ndarray:
    """Unit vector: azimuth 0 = from the camera, 90 = from image right; elevation up."""
    az, el = math.radians(azimuth_deg), math.radians(elevation_deg)
    return np.array([math.sin(az) * math.cos(el), math.sin(el), math.cos(az) * math.cos(el)])


def relit(
    rgb: np.ndarray, normals: np.ndarray, mesh: np.ndarray, light: np.ndarray, ambient: float = 0.3
) -> np.ndarray:
    """The photo lit from `light` (linear light, re-encoded to sRGB uint8)."""
    shade = ambient + (1 - ambient) * np.clip(normals @ np.asarray(light, float), 0, None)
    norm = float(np.median(shade[mesh > 0])) if (mesh > 0).any() else 1.0
    return encode_linear(srgb_to_linear(rgb) * (shade / norm)[..., None])


def rotated_away(light: np.ndarray, angle_deg: float, rng: np.random.Generator) -> np.ndarray:
    """A unit direction exactly `angle_deg` from `light`, about a random perpendicular axis."""
    light = np.asarray(light, float) / np.linalg.norm(light)
    r = rng.normal(size=3)
    axis = np.cross(light, r)
    axis /= np.linalg.norm(axis)
    t = math.radians(angle_deg)
    return light * math.cos(t) + np.cross(axis, light) * math.sin(t)


def angle_between(a: np.ndarray, b: np.ndarray) -> float:
    c = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
    return math.degrees(math.acos(max(-1.0, min(1.0, c))))
