"""Faces rendered at an exactly known head pose, for measuring absolute pose accuracy.

Geometry: MediaPipe's canonical face mesh (`core.canonical_face`: 468 vertices, metric units,
y up, the face looking along +z), read from the shipped `face_landmarker.task` (Apache-2.0, the
same file the landmarker's own pose fit uses).
Texture: a real photo, through its own 468 landmarks (vertex i of the mesh is landmark i), so
each mesh triangle carries the photo's skin, eyes, brows and mouth. The textured mesh is turned
by R = Ry(yaw) · Rx(−pitch) (the conventions of `core.face`: yaw > 0 nose to image right,
pitch > 0 chin up) and drawn with a pinhole camera, far triangles first.

Caveat for whoever reads the figures: the geometry is the very template the landmarker's pose
fit uses, so this measures how well the fit recovers the pose of a face of exactly that shape;
real faces differ from it, and their error can be larger.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from photocompare.core.canonical_face import canonical_mesh


def pose_rotation(yaw_deg: float, pitch_deg: float) -> np.ndarray:
    """Canonical face → camera rotation of a head at (yaw, pitch), roll 0."""
    y, p = math.radians(yaw_deg), math.radians(-pitch_deg)
    ry = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
    rx = np.array([[1, 0, 0], [0, math.cos(p), -math.sin(p)], [0, math.sin(p), math.cos(p)]])
    return ry @ rx


def render_face(
    texture: np.ndarray,
    texture_landmarks: np.ndarray,
    yaw_deg: float,
    pitch_deg: float,
    *,
    size_px: int = 640,
    focal_px: float = 1400.0,
    distance_cm: float = 60.0,
    background: tuple[int, int, int] = (118, 112, 106),
) -> np.ndarray:
    """The textured canonical face at (yaw, pitch), centred in a square RGB image (drawn at
    twice the size with hard triangle edges, then reduced: seamless and anti-aliased)."""
    size_px, focal_px = 2 * size_px, 2 * focal_px
    vertices, triangles = canonical_mesh()
    cam = vertices @ pose_rotation(yaw_deg, pitch_deg).T
    cam[:, 2] -= distance_cm  # camera at the origin looking down −z, y up
    depth = -cam[:, 2]
    c = size_px / 2
    proj = np.stack([c + focal_px * cam[:, 0] / depth, c - focal_px * cam[:, 1] / depth], axis=1)
    src = np.asarray(texture_landmarks, dtype=float)[: len(vertices), :2]
    out = np.empty((size_px, size_px, 3), dtype=np.uint8)
    out[:] = background
    # Front faces have the winding they have in the frontal view of the mesh.
    front = _signed_areas(vertices[:, :2] * [1, -1], triangles) > 0
    order = np.argsort(-depth[triangles].mean(axis=1))  # far first
    for t in order:
        tri = triangles[t]
        dst = proj[tri]
        area = _signed_areas(dst, np.arange(3)[None, :])[0]
        if (area > 0) != front[t] or abs(area) < 1e-3:
            continue  # seen from behind, or edge-on
        _warp_triangle(texture, out, src[tri], dst)
    return cv2.resize(out, (size_px // 2, size_px // 2), interpolation=cv2.INTER_AREA)


def _signed_areas(points: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    a, b, c = (points[triangles[:, k]] for k in range(3))
    return 0.5 * ((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0]))


def _warp_triangle(src_img: np.ndarray, dst_img: np.ndarray, src: np.ndarray, dst: np.ndarray) -> None:
    x0, y0 = np.floor(dst.min(axis=0)).astype(int) - 1
    x1, y1 = np.ceil(dst.max(axis=0)).astype(int) + 1
    h, w = dst_img.shape[:2]
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 <= x0 or y1 <= y0:
        return
    m = cv2.getAffineTransform(src.astype(np.float32), (dst - [x0, y0]).astype(np.float32))
    patch = cv2.warpAffine(
        src_img, m, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
    )
    mask = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
    cv2.fillConvexPoly(mask, np.round((dst - [x0, y0]) * 16).astype(np.int32), 1, cv2.LINE_8, 4)
    region = dst_img[y0:y1, x0:x1]
    region[mask > 0] = patch[mask > 0]
