"""Per-photo measures computed from the 478 MediaPipe landmarks and the face's pixels.

Geometry is expressed in a FACE FRAME: origin at the midpoint of the two eye centres, u along
the eye line towards the patient's LEFT eye (image right), v perpendicular pointing DOWN
(towards the mouth); unit = interocular distance (IOD = distance between the eye centres, each
the midpoint of its inner and outer corner — gaze-independent). Lengths are reported as
ratios of IOD and, for the side-effect measures, in millimetres ASSUMING A MEAN ADULT IOD OF
63 mm (`MEAN_IOD_MM`); a patient's real IOD differs by up to ±10 %, but the before/after
difference of one patient does not depend on that assumption.

Photometric measures are taken on the face warped into a canonical frame at a fixed
resolution (`CANON_IOD_PX` px between the eyes, eye line horizontal), so image resolution and
in-plane rotation do not bias them:

* exposure_ev: log2(median linear luminance of the skin / 0.18) — darkening the photo by k
  stops in linear light reads k EV lower (the median commutes with the monotone sRGB curve
  and is robust to clipped highlights on up to half the skin).
* contrast_ev: spread of skin log-luminance (90th − 10th percentile), in stops.
* balance_ev: median skin log2-luminance of the patient's left half minus the right half.
* light gradient: plane fit of skin log2-luminance over the face frame; direction in degrees
  0 = light from the patient's LEFT (image right), 90 = from above, ±180 = from the patient's
  right, -90 = from below; strength in EV per IOD.
* skin colour: log2(R/G) and log2(B/G) of the mean linear skin colour (exposure-invariant).
* sharpness: mean |I − G₁·I| / mean |G₁·I − G₃·I| over the face (fine vs coarse detail at the
  fixed IOD) — invariant to contrast/exposure, drops when the face is blurred.

Landmark sets (MediaPipe face-mesh indices; right/left are the patient's):
eyes 33/133 (right outer/inner), 362/263 (left inner/outer); lids 159/145 (right upper/lower),
386/374 (left); iris centres 468 (right), 473 (left); brows right 70,63,105,66,107,46,53,52,65,55,
left 300,293,334,296,336,276,283,282,295,285; mouth corners 61/291, inner lips 13/14;
chin 152, forehead top 10, cheek extremes 234 (right) / 454 (left).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

MEAN_IOD_MM = 63.0  # stated assumption for the mm figures
_CLIPPED_FROM = 250  # a channel at or above this counts as clipped (CheckThresholds.clip_margin_bright)
CANON_IOD_PX = 64  # photometric measures are taken with this many px between the eyes

RIGHT_EYE_OUTER, RIGHT_EYE_INNER, LEFT_EYE_INNER, LEFT_EYE_OUTER = 33, 133, 362, 263
RIGHT_UPPER_LID, RIGHT_LOWER_LID, LEFT_UPPER_LID, LEFT_LOWER_LID = 159, 145, 386, 374
RIGHT_IRIS, LEFT_IRIS = 468, 473
RIGHT_BROW = (70, 63, 105, 66, 107, 46, 53, 52, 65, 55)
LEFT_BROW = (300, 293, 334, 296, 336, 276, 283, 282, 295, 285)
MOUTH_RIGHT, MOUTH_LEFT, INNER_UPPER_LIP, INNER_LOWER_LIP = 61, 291, 13, 14
CHIN, FOREHEAD, RIGHT_CHEEK, LEFT_CHEEK = 152, 10, 234, 454
FACE_OVAL = (
    10,
    338,
    297,
    332,
    284,
    251,
    389,
    356,
    454,
    323,
    361,
    288,
    397,
    365,
    379,
    378,
    400,
    377,
    152,
    148,
    176,
    149,
    150,
    136,
    172,
    58,
    132,
    93,
    234,
    127,
    162,
    21,
    54,
    103,
    67,
    109,
)
RIGHT_EYE_RING = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
LEFT_EYE_RING = (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466)
LIPS_OUTER = (
    61,
    146,
    91,
    181,
    84,
    17,
    314,
    405,
    321,
    375,
    291,
    409,
    270,
    269,
    267,
    0,
    37,
    39,
    40,
    185,
)
NOSTRILS = (98, 97, 2, 326, 327, 294, 278, 48, 64)


@dataclass(frozen=True)
class Framing:
    centre_x_rel: float  # face centre / frame width (0..1)
    centre_y_rel: float
    size_rel: float  # IOD / frame diagonal
    cut_off: tuple[str, ...]  # parts outside the frame: "chin", "forehead", "right ear", "left ear"


@dataclass(frozen=True)
class Lighting:
    exposure_ev: float
    contrast_ev: float
    balance_ev: float  # patient's left half minus right half
    light_direction_deg: float
    light_gradient_ev_per_iod: float
    light_gradient_u: float  # EV per IOD towards the patient's left
    light_gradient_v: float  # EV per IOD upwards
    skin_log2_r_over_g: float
    skin_log2_b_over_g: float
    clipped_fraction: float  # skin pixels at 250 or more in some channel (blown highlights)


@dataclass(frozen=True)
class Expression:
    mouth_open_iod: float
    smile_width_iod: float
    eye_open_iod: float
    brow_raise_iod: float


@dataclass(frozen=True)
class SideEffects:
    """Brow and eyelid position (what onabotulinumtoxinA can change): IOD ratios and mm."""

    brow_height_right_iod: float  # brow (mean of its points) above the eye centre
    brow_height_left_iod: float
    eyelid_aperture_right_iod: float  # upper to lower lid at mid-pupil
    eyelid_aperture_left_iod: float
    mrd1_right_iod: float  # iris centre to upper lid margin (MRD1 proxy)
    mrd1_left_iod: float
    brow_asymmetry_iod: float  # left − right
    eyelid_asymmetry_iod: float  # left − right
    brow_height_right_mm: float
    brow_height_left_mm: float
    eyelid_aperture_right_mm: float
    eyelid_aperture_left_mm: float
    mrd1_right_mm: float
    mrd1_left_mm: float
    assumed_iod_mm: float = MEAN_IOD_MM


# -- geometry -------------------------------------------------------------------------------------
def eye_centres(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(right, left) eye centres = corner midpoints, in the points' px."""
    p = points[:, :2]
    right = (p[RIGHT_EYE_OUTER] + p[RIGHT_EYE_INNER]) / 2
    left = (p[LEFT_EYE_OUTER] + p[LEFT_EYE_INNER]) / 2
    return right, left


def face_frame(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """origin, unit u (to the patient's left), unit v (down), IOD — in the points' px."""
    right, left = eye_centres(points)
    d = left - right
    iod = float(np.hypot(*d))
    u = d / max(iod, 1e-9)
    v = np.array([-u[1], u[0]])
    return (right + left) / 2, u, v, iod


def to_face_frame(points: np.ndarray) -> np.ndarray:
    """(N, 2) landmark coordinates in IOD units of the face frame."""
    origin, u, v, iod = face_frame(points)
    rel = points[:, :2] - origin
    return np.stack([rel @ u, rel @ v], axis=1) / max(iod, 1e-9)


# Symmetric eye-corner pairs (patient's right, left) whose joining lines define the eye line.
_EYE_LINE_PAIRS = ((33, 263), (133, 362), (130, 359), (243, 463))


def roll_from_landmarks(points: np.ndarray) -> float:
    """Counter-clockwise tilt of the eye line on screen (y grows downwards in images), from
    the summed right→left vectors of four symmetric eye-corner pairs."""
    p = points[:, :2]
    d = sum(p[left] - p[right] for right, left in _EYE_LINE_PAIRS)
    return math.degrees(math.atan2(-d[1], d[0]))


def face_box(points: np.ndarray, size: tuple[int, int]) -> tuple[int, int, int, int]:
    w, h = size
    x0, y0 = np.clip(points[:, :2].min(axis=0), 0, [w, h])
    x1, y1 = np.clip(points[:, :2].max(axis=0), 0, [w, h])
    return int(round(x0)), int(round(y0)), int(round(x1 - x0)), int(round(y1 - y0))


def measure_framing(points: np.ndarray, width: int, height: int) -> Framing:
    _, _, _, iod = face_frame(points)
    p = points[:, :2]
    centre = p[list(FACE_OVAL)].mean(axis=0)
    cut = []
    margin = 0.05 * iod
    if p[CHIN, 1] > height - margin:
        cut.append("chin")
    if p[FOREHEAD, 1] - 0.15 * iod < 0:
        cut.append("forehead")
    # The ears lie about a third of an IOD beyond the cheek extremes of the mesh.
    if p[RIGHT_CHEEK, 0] - 0.3 * iod < 0:
        cut.append("right ear")
    if p[LEFT_CHEEK, 0] + 0.3 * iod > width:
        cut.append("left ear")
    return Framing(
        centre_x_rel=float(centre[0] / width),
        centre_y_rel=float(centre[1] / height),
        size_rel=float(iod / math.hypot(width, height)),
        cut_off=tuple(cut),
    )


def measure_expression(points: np.ndarray) -> Expression:
    f = to_face_frame(points)
    side = measure_side_effects(points)
    return Expression(
        mouth_open_iod=float(max(0.0, f[INNER_LOWER_LIP, 1] - f[INNER_UPPER_LIP, 1])),
        smile_width_iod=float(np.hypot(*(f[MOUTH_LEFT] - f[MOUTH_RIGHT]))),
        eye_open_iod=float((side.eyelid_aperture_right_iod + side.eyelid_aperture_left_iod) / 2),
        brow_raise_iod=float((side.brow_height_right_iod + side.brow_height_left_iod) / 2),
    )


def measure_side_effects(points: np.ndarray) -> SideEffects:
    f = to_face_frame(points)
    right_eye_v = (f[RIGHT_EYE_OUTER, 1] + f[RIGHT_EYE_INNER, 1]) / 2
    left_eye_v = (f[LEFT_EYE_OUTER, 1] + f[LEFT_EYE_INNER, 1]) / 2
    brow_r = float(right_eye_v - f[list(RIGHT_BROW), 1].mean())
    brow_l = float(left_eye_v - f[list(LEFT_BROW), 1].mean())
    lid_r = float(f[RIGHT_LOWER_LID, 1] - f[RIGHT_UPPER_LID, 1])
    lid_l = float(f[LEFT_LOWER_LID, 1] - f[LEFT_UPPER_LID, 1])
    mrd_r = float(f[RIGHT_IRIS, 1] - f[RIGHT_UPPER_LID, 1]) if len(f) > RIGHT_IRIS else float("nan")
    mrd_l = float(f[LEFT_IRIS, 1] - f[LEFT_UPPER_LID, 1]) if len(f) > LEFT_IRIS else float("nan")
    mm = MEAN_IOD_MM
    return SideEffects(
        brow_height_right_iod=brow_r,
        brow_height_left_iod=brow_l,
        eyelid_aperture_right_iod=lid_r,
        eyelid_aperture_left_iod=lid_l,
        mrd1_right_iod=mrd_r,
        mrd1_left_iod=mrd_l,
        brow_asymmetry_iod=brow_l - brow_r,
        eyelid_asymmetry_iod=lid_l - lid_r,
        brow_height_right_mm=brow_r * mm,
        brow_height_left_mm=brow_l * mm,
        eyelid_aperture_right_mm=lid_r * mm,
        eyelid_aperture_left_mm=lid_l * mm,
        mrd1_right_mm=mrd_r * mm,
        mrd1_left_mm=mrd_l * mm,
    )


# -- canonical face crop ------------------------------------------------------------------------
_CANON_W_IOD, _CANON_H_IOD, _CANON_EYES_Y_IOD = 3.0, 3.4, 1.3

_SRGB_TO_LINEAR = np.where(
    (np.arange(256) / 255.0) <= 0.04045,
    (np.arange(256) / 255.0) / 12.92,
    (((np.arange(256) / 255.0) + 0.055) / 1.055) ** 2.4,
)


def srgb_to_linear(rgb: np.ndarray) -> np.ndarray:
    return _SRGB_TO_LINEAR[rgb]


@dataclass
class CanonicalFace:
    rgb: np.ndarray  # uint8, CANON_IOD_PX between the eyes, eye line horizontal
    points: np.ndarray  # (N, 2) landmarks in canonical px
    valid: np.ndarray  # bool, inside the source image
    face: np.ndarray  # bool, inside the face oval
    skin: np.ndarray  # bool, face minus eyes, brows, lips, nostrils


def canonical_face(rgb: np.ndarray, points: np.ndarray) -> CanonicalFace:
    """Warp the face to a fixed IOD and upright eye line (area-averaged when shrinking)."""
    origin, u, v, iod = face_frame(points)
    s = CANON_IOD_PX / max(iod, 1e-9)
    out_w = int(_CANON_W_IOD * CANON_IOD_PX)
    out_h = int(_CANON_H_IOD * CANON_IOD_PX)
    target_origin = np.array([out_w / 2, _CANON_EYES_Y_IOD * CANON_IOD_PX])
    # canonical = s * [u; v] @ (p - origin) + target_origin
    rot = np.stack([u, v])  # rows
    src = rgb
    pre = 1.0
    if s < 0.7:  # shrink the region first with area averaging (no aliasing)
        corners_c = np.array([[0, 0], [out_w, 0], [0, out_h], [out_w, out_h]], dtype=float)
        corners = (corners_c - target_origin) @ rot / s + origin  # inverse map
        x0, y0 = np.floor(corners.min(axis=0)).astype(int) - 2
        x1, y1 = np.ceil(corners.max(axis=0)).astype(int) + 2
        h, w = rgb.shape[:2]
        x0c, y0c, x1c, y1c = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
        if x1c - x0c >= 2 and y1c - y0c >= 2:
            crop = rgb[y0c:y1c, x0c:x1c]
            pre = s * 1.25  # leave a little headroom for the final (linear) resampling
            nw, nh = max(2, round(crop.shape[1] * pre)), max(2, round(crop.shape[0] * pre))
            src = cv2.resize(crop, (nw, nh), interpolation=cv2.INTER_AREA)
            pre_x, pre_y = nw / crop.shape[1], nh / crop.shape[0]
            origin = (origin - [x0c, y0c]) * [pre_x, pre_y]
            points = points[:, :2].copy()
            points = (points - [x0c, y0c]) * [pre_x, pre_y]
            s = s / pre_x
    matrix = np.hstack([s * rot, (target_origin - s * rot @ origin)[:, None]])
    warped = cv2.warpAffine(
        src, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    ones = np.full(src.shape[:2], 255, np.uint8)
    valid = (
        cv2.warpAffine(
            ones,
            matrix,
            (out_w, out_h),
            flags=cv2.INTER_NEAREST,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=0,
        )
        > 0
    )
    pts = points[:, :2] @ matrix[:, :2].T + matrix[:, 2]
    face = _poly_mask(pts, FACE_OVAL, (out_h, out_w)) & valid
    holes = np.zeros((out_h, out_w), np.uint8)
    for ring in (RIGHT_EYE_RING, LEFT_EYE_RING, RIGHT_BROW, LEFT_BROW, LIPS_OUTER, NOSTRILS):
        hull = cv2.convexHull(np.round(pts[list(ring)]).astype(np.int32))
        cv2.fillConvexPoly(holes, hull, 1)
    holes = cv2.dilate(holes, np.ones((7, 7), np.uint8)) > 0
    inner = cv2.erode(face.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    skin = inner & ~holes
    return CanonicalFace(warped, pts, valid, face, skin)


def _poly_mask(pts: np.ndarray, ring: tuple[int, ...], shape: tuple[int, int]) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(pts[list(ring)]).astype(np.int32)], 1)
    return mask > 0


# -- photometry ---------------------------------------------------------------------------------
def measure_lighting(
    rgb: np.ndarray, points: np.ndarray, canon: CanonicalFace | None = None
) -> Lighting:
    c = canon or canonical_face(rgb, points)
    skin = c.skin if c.skin.sum() >= 50 else c.face
    lin = srgb_to_linear(c.rgb)
    y = lin @ np.array([0.2126, 0.7152, 0.0722])
    ys = y[skin]
    if ys.size == 0:
        nan = float("nan")
        return Lighting(nan, nan, nan, nan, nan, nan, nan, nan, nan, nan)
    log_y = np.log2(np.maximum(ys, 1e-4))
    exposure = float(np.log2(max(float(np.median(ys)), 1e-4) / 0.18))
    p10, p90 = np.percentile(log_y, [10, 90])
    h, w = skin.shape
    yy, xx = np.nonzero(skin)
    cx = w / 2
    eyes_y = _CANON_EYES_Y_IOD * CANON_IOD_PX
    u = (xx - cx) / CANON_IOD_PX  # towards the patient's left (image right)
    v = -(yy - eyes_y) / CANON_IOD_PX  # upwards
    left_half, right_half = u > 0, u < 0
    balance = (
        float(np.median(log_y[left_half]) - np.median(log_y[right_half]))
        if left_half.any() and right_half.any()
        else 0.0
    )
    # Robust plane fit (ignore clipped and very dark pixels, which carry no shading).
    usable = (ys > 0.002) & (ys < 0.98)
    if usable.sum() > 30:
        a = np.stack([np.ones(usable.sum()), u[usable], v[usable]], axis=1)
        coef, *_ = np.linalg.lstsq(a, log_y[usable], rcond=None)
        gu, gv = float(coef[1]), float(coef[2])
    else:
        gu = gv = 0.0
    direction = math.degrees(math.atan2(gv, gu))
    rgb_skin = lin[skin]
    # JPEG highlights sit at 248–254, not 255: the same margin as the pair measures' default.
    unclipped = (c.rgb[skin] < _CLIPPED_FROM).all(axis=1)
    mean = (rgb_skin[unclipped] if unclipped.sum() > 30 else rgb_skin).mean(axis=0)
    mean = np.maximum(mean, 1e-5)
    return Lighting(
        exposure_ev=exposure,
        contrast_ev=float(p90 - p10),
        balance_ev=balance,
        light_direction_deg=direction,
        light_gradient_ev_per_iod=float(math.hypot(gu, gv)),
        light_gradient_u=gu,
        light_gradient_v=gv,
        skin_log2_r_over_g=float(np.log2(mean[0] / mean[1])),
        skin_log2_b_over_g=float(np.log2(mean[2] / mean[1])),
        clipped_fraction=float(1.0 - unclipped.mean()),
    )


def measure_sharpness(
    rgb: np.ndarray, points: np.ndarray, canon: CanonicalFace | None = None
) -> float:
    c = canon or canonical_face(rgb, points)
    grey = cv2.cvtColor(c.rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    g1 = cv2.GaussianBlur(grey, (0, 0), 1.0)
    g3 = cv2.GaussianBlur(grey, (0, 0), 3.0)
    mask = cv2.erode(c.face.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    if mask.sum() < 50:
        mask = c.valid
    fine = float(np.abs(grey - g1)[mask].mean())
    coarse = float(np.abs(g1 - g3)[mask].mean())
    return fine / coarse if coarse > 1e-6 else 0.0
