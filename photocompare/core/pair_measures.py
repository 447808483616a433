"""Pair measures taken on the two faces AFTER alignment: exposure, colour, relighting, blur.

Why a pair measure: a per-photo median cannot rise past the clip, so on a bright face a true
+1 EV change read as +0.5 EV. Here both faces are warped into one canonical frame (BEFORE's eye
line horizontal, AFTER mapped through the pair's alignment), and each number is taken over the
same skin pixels in both photos, keeping only pixels that are

* inside real photo content in both (covered by the warp, and not flat fill: a padded scan or a
  border has no local texture at all),
* unclipped in both: every channel clear of 0 and 255 by `CheckThresholds.clip_margin_dark` /
  `clip_margin_bright` (JPEG highlights sit at 248–254, not 255). The clip test is made at the
  photo's own resolution and carried through the warp, so a pixel averaged with a clipped
  neighbour is excluded too.

Measures (all AFTER relative to BEFORE):

* exposure_diff_ev: median over those pixels of log2(Y_after / Y_before), Y = linear luminance.
  With too few pixels it is unknown; `exposure_low_ev` / `exposure_high_ev` then bound it from
  the pixels unclipped in BEFORE (clipped AFTER values are lower/upper bounds of the truth).
* red_green_diff / blue_green_diff: medians of log2(R_a/R_b) − log2(G_a/G_b) (and B) over the
  same pixels — a cast in stops, independent of exposure.
* relight_ev_per_iod (u, v): the gradient of the per-pixel log2 ratio map fitted as a plane over
  the skin (robustly: pixels beyond 3 MADs dropped, refitted), in EV per eye distance. A light
  that moved changes the shading across the face; a uniform exposure change does not tilt the
  ratio map. u points to the patient's left, v upwards.
* blur: the equivalent Gaussian blur σ that makes the sharper face's detail energy (gradient
  energy of log luminance, so exposure does not matter) equal the softer one's, found by blurring
  the sharper face with a ladder of σ. Reported in eye distances and in BEFORE's full-res px.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from photocompare.core.measures import (
    FACE_OVAL,
    LEFT_BROW,
    LEFT_EYE_RING,
    LIPS_OUTER,
    NOSTRILS,
    RIGHT_BROW,
    RIGHT_EYE_RING,
    face_frame,
    srgb_to_linear,
)
from photocompare.settings import CheckThresholds

# Canonical frame for the photometric pair measures (resolution does not bias a median ratio).
PHOTO_IOD_PX = 64
_W_IOD, _H_IOD, _EYES_Y_IOD = 3.0, 3.4, 1.3
# Blur is measured nearer the photo's own resolution (σ of 2 px at an IOD of 170 px must show).
_BLUR_MAX_IOD_PX = 170
_BLUR_LADDER_IOD = np.concatenate([[0.0], np.geomspace(0.002, 0.08, 24)])
_LUMA = np.array([0.2126, 0.7152, 0.0722])
_BRIGHT_FLAG = 96
# Linear-light offset before the log for blur: keeps dark noise and background from dominating.
_BLUR_LOG_OFFSET = 0.02
_BLUR_WINDOW_IOD = 0.15


@dataclass(frozen=True)
class PairMeasures:
    """Measured on the aligned pair; NaN where it could not be measured (see `usable_pixels`)."""

    skin_pixels: int  # skin pixels in the canonical frame (64 px between the eyes in `check`)
    usable_pixels: int  # of those, inside content and unclipped in both photos
    clipped_before_fraction: float  # skin clipped (bright or dark) in BEFORE
    clipped_after_fraction: float
    bright_clipped_before_fraction: float
    bright_clipped_after_fraction: float
    exposure_diff_ev: float  # AFTER − BEFORE; NaN when too few usable pixels
    exposure_low_ev: float  # bounds of the exposure difference (equal to it when measured)
    exposure_high_ev: float
    red_green_diff: float
    blue_green_diff: float
    relight_ev_per_iod: float
    relight_u_ev_per_iod: float  # towards the patient's left
    relight_v_ev_per_iod: float  # upwards
    relight_spread_ev: float  # robust spread of the ratio map around the fitted plane
    blur_sigma_iod: float  # equivalent Gaussian blur of the softer photo, eye distances
    blur_sigma_px: float  # the same in BEFORE's full-resolution px
    blurrier: str | None  # "before" | "after" | None (equal within one ladder step)
    blur_compared_iod_px: float  # eye distance (px) at which the two faces were compared


def _canon_matrix(points: np.ndarray, iod_px: float) -> tuple[np.ndarray, tuple[int, int]]:
    """3x3 map from a photo's px to a canonical frame with `iod_px` between the eyes."""
    origin, u, v, iod = face_frame(points)
    s = iod_px / max(iod, 1e-9)
    out_w, out_h = int(round(_W_IOD * iod_px)), int(round(_H_IOD * iod_px))
    target = np.array([out_w / 2, _EYES_Y_IOD * iod_px])
    rot = np.stack([u, v])
    m = np.eye(3)
    m[:2, :2] = s * rot
    m[:2, 2] = target - s * rot @ origin
    return m, (out_h, out_w)


def _warp(
    img: np.ndarray,
    m: np.ndarray,
    shape: tuple[int, int],
    clip_flags: CheckThresholds | None = None,
) -> np.ndarray:
    """Warp `img` by the 3x3 `m` into `shape`, shrinking by pyramid first (no aliasing);
    outside the image is 0 (the caller warps a coverage plane with it). With `clip_flags`
    an RGB image gets its clip flags as a 4th channel (`_with_flags`), computed on the
    needed crop only."""
    out_h, out_w = shape
    inv = np.linalg.inv(m)
    corners = np.array([[0, 0, 1], [out_w, 0, 1], [0, out_h, 1], [out_w, out_h, 1]], float)
    src = (inv @ corners.T).T[:, :2]
    h, w = img.shape[:2]
    x0, y0 = np.maximum(np.floor(src.min(axis=0)).astype(int) - 4, 0)
    x1, y1 = np.minimum(np.ceil(src.max(axis=0)).astype(int) + 4, [w, h])
    if x1 - x0 < 2 or y1 - y0 < 2:
        channels = (4,) if clip_flags is not None else img.shape[2:]
        return np.zeros((out_h, out_w) + channels, img.dtype)
    crop = img[y0:y1, x0:x1]
    if clip_flags is not None:
        crop = _with_flags(crop, clip_flags)
    m = m @ np.array([[1, 0, x0], [0, 1, y0], [0, 0, 1]], float)
    scale = math.sqrt(abs(np.linalg.det(m[:2, :2])))
    while scale < 0.5 and min(crop.shape[:2]) >= 4:
        crop = cv2.pyrDown(crop)
        m = m @ np.diag([2.0, 2.0, 1.0])
        scale *= 2
    return cv2.warpAffine(
        crop, m[:2], (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT
    )


def _skin_mask(points_canon: np.ndarray, shape: tuple[int, int], iod_px: float) -> np.ndarray:
    face = np.zeros(shape, np.uint8)
    cv2.fillPoly(face, [np.round(points_canon[list(FACE_OVAL)]).astype(np.int32)], 1)
    holes = np.zeros(shape, np.uint8)
    for ring in (RIGHT_EYE_RING, LEFT_EYE_RING, RIGHT_BROW, LEFT_BROW, LIPS_OUTER, NOSTRILS):
        hull = cv2.convexHull(np.round(points_canon[list(ring)]).astype(np.int32))
        cv2.fillConvexPoly(holes, hull, 1)
    k = max(3, int(round(iod_px * 7 / 64)) | 1)
    holes = cv2.dilate(holes, np.ones((k, k), np.uint8)) > 0
    inner = cv2.erode(face, np.ones((k, k), np.uint8)) > 0
    return inner & ~holes


def _with_flags(rgb: np.ndarray, t: CheckThresholds) -> np.ndarray:
    """RGBA: A = 255 where the pixel is clipped bright, 64 where clipped dark (own resolution).

    After the warp a value ≥ `_BRIGHT_FLAG` can only come from a bright-clipped neighbour.
    Bright means some channel ≥ 255 − margin, i.e. NOT every channel inside [0, that − 1];
    dark means some channel ≤ margin, i.e. NOT every channel inside [margin + 1, 255]:
    `cv2.inRange` answers both in one vectorised pass each (a per-pixel `any` over the
    channels cost more than the warp itself on a live frame)."""
    rgb = np.ascontiguousarray(rgb)
    bright_from = math.ceil(255 - t.clip_margin_bright)
    dark_to = math.floor(t.clip_margin_dark)
    not_bright = cv2.inRange(rgb, (0, 0, 0), (bright_from - 1,) * 3)
    not_dark = cv2.inRange(rgb, (dark_to + 1,) * 3, (255, 255, 255))
    flags = cv2.max(cv2.bitwise_not(not_bright), cv2.bitwise_and(cv2.bitwise_not(not_dark), 64))
    out = np.empty(rgb.shape[:2] + (4,), np.uint8)
    out[:, :, :3] = rgb
    out[:, :, 3] = flags
    return out


def _flat(grey: np.ndarray) -> np.ndarray:
    """Pixels with no texture at all in a 5x5 neighbourhood (flat fill, padding, borders)."""
    g = grey.astype(np.float32)
    mean = cv2.blur(g, (5, 5))
    var = cv2.blur(g * g, (5, 5)) - mean * mean
    return var < 0.05


def _robust_plane(u: np.ndarray, v: np.ndarray, z: np.ndarray) -> tuple[float, float, float]:
    """Gradient (u, v) of a robust plane fit, and the robust spread (1.4826·MAD) of what the
    plane leaves: the shading change a tilt does not explain (a shadow moving off the nose)."""
    a = np.stack([np.ones_like(u), u, v], axis=1)
    keep = np.ones(z.size, bool)
    coef = np.zeros(3)
    for _ in range(3):
        if keep.sum() < 20:
            break
        coef = _least_squares(a[keep], z[keep])
        res = z - a @ coef
        mad = float(np.median(np.abs(res[keep] - np.median(res[keep])))) * 1.4826
        keep = np.abs(res) <= 3 * max(mad, 1e-3)
    res = z - a @ coef
    spread = float(np.median(np.abs(res - np.median(res)))) * 1.4826
    return float(coef[1]), float(coef[2]), spread


def _least_squares(a: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Least squares of three well-conditioned columns (1, u, v over thousands of pixels): the
    3x3 normal equations, several times cheaper than an SVD; the SVD where they are singular."""
    try:
        return np.linalg.solve(a.T @ a, a.T @ z)
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(a, z, rcond=None)[0]


_LOG_EPS = 1e-5
# log2 of the linear value of each 8-bit sRGB code (floored at the epsilon), looked up per pixel
_LOG2_LINEAR = np.log2(np.maximum(srgb_to_linear(np.arange(256)), _LOG_EPS))


@dataclass(frozen=True, eq=False)
class PreparedBefore:
    """BEFORE's half of `measure_pair`: its canonical warp (with clip flags), coverage, skin
    mask, texture and log-linear values — the same for every photo compared with it."""

    mb: np.ndarray
    shape: tuple[int, int]
    warped: np.ndarray
    covered: np.ndarray
    skin: np.ndarray
    textured: np.ndarray
    log_rgb: np.ndarray
    log_y: np.ndarray
    # BEFORE's half of the blur measure per comparison size (`measure_pair(blur_iod_step_px=)`)
    blur_cache: dict = field(default_factory=dict, repr=False)
    iod_px: float = PHOTO_IOD_PX  # eye distance of the canonical frame (see `prepare_before`)


def prepare_before(
    before_rgb: np.ndarray,
    before_pts: np.ndarray,
    thresholds: CheckThresholds | None = None,
    iod_px: float = PHOTO_IOD_PX,
) -> PreparedBefore:
    """BEFORE's half of `measure_pair`, to reuse across many AFTER photos (or frames).

    `iod_px`: the eye distance of the canonical frame the exposure, colour and light are
    measured in (`check`: 64 px). A median ratio does not depend on the resolution, so live
    guidance measures at a smaller size, with a quarter of the pixels at 32 px."""
    t = thresholds or CheckThresholds()
    mb, shape = _canon_matrix(before_pts, iod_px)
    wb = _warp(before_rgb, mb, shape, clip_flags=t)
    cov_b = _warp(np.full(before_rgb.shape[:2], 255, np.uint8), mb, shape) >= 250
    pts_c = before_pts[:, :2] @ mb[:2, :2].T + mb[:2, 2]
    skin = _skin_mask(pts_c, shape, iod_px)
    grey_b = cv2.cvtColor(np.ascontiguousarray(wb[:, :, :3]), cv2.COLOR_RGB2GRAY)
    lin_b = srgb_to_linear(wb[:, :, :3])
    return PreparedBefore(
        mb=mb,
        shape=shape,
        warped=wb,
        covered=cov_b,
        skin=skin,
        textured=~_flat(grey_b),
        log_rgb=np.log2(np.maximum(lin_b, _LOG_EPS)),
        log_y=np.log2(np.maximum(lin_b @ _LUMA, _LOG_EPS)),
        iod_px=float(iod_px),
    )


def measure_pair(
    before_rgb: np.ndarray,
    before_pts: np.ndarray,
    after_rgb: np.ndarray,
    after_pts: np.ndarray,
    after_to_before: np.ndarray | None,
    before_full_iod_px: float,
    thresholds: CheckThresholds | None = None,
    *,
    blur: bool = True,
    relight: bool = True,
    before: PreparedBefore | None = None,
    blur_search: str = "scan",
    blur_memo: dict | None = None,
    blur_iod_step_px: float = 0.0,
) -> PairMeasures:
    """Pair measures from the analysed copies (`*_pts` in their own px).

    `after_to_before` (2x3 or 3x3) maps AFTER's analysed px onto BEFORE's analysed px; None
    maps AFTER's own face frame onto BEFORE's (eye centres only — used without alignment).
    `blur=False` / `relight=False` leave the blur / relighting fields NaN (the blur ladder and
    the robust plane are the costliest parts; live guidance takes them at a lower rate). `before`: BEFORE's half prepared
    once by `prepare_before` for these same `before_rgb`, `before_pts` and thresholds (live
    guidance compares many frames with one baseline); the result is the same.
    `blur_search="gallop"` finds the blur ladder's crossing by doubling then halving the step
    instead of walking it (about half the blurred copies when the faces differ in sharpness);
    the same σ whenever the detail ratio falls steadily along the ladder, as it does when
    blurring one face further only removes detail. `blur_memo` (a dict the caller keeps
    between calls, with `blur_search="gallop"`): the search starts from the ladder rungs that
    bracketed the crossing last time — a live frame's blur is close to the frame before's, so
    two blurred copies usually settle it instead of about eight; under the same steady fall the
    σ is the one the walk finds. `blur_iod_step_px` > 0 rounds the blur comparison's eye
    distance down to a multiple of it, and BEFORE's half of the blur measure at that size (its
    blurred ladder rungs included) is kept in `before` for the next call — many frames, one
    baseline; 0 (the default, as `check` runs) compares at the exact size.
    """
    t = thresholds or CheckThresholds()
    if before is None:
        before = prepare_before(before_rgb, before_pts, t)
    iod_px = before.iod_px
    mb, shape, wb, cov_b, skin = before.mb, before.shape, before.warped, before.covered, before.skin
    if after_to_before is None:
        ma, _ = _canon_matrix(after_pts, iod_px)
    else:
        a2b = np.vstack([np.asarray(after_to_before, float)[:2], [0, 0, 1]])
        ma = mb @ a2b
    wa = _warp(after_rgb, ma, shape, clip_flags=t)
    cov_a = _warp(np.full(after_rgb.shape[:2], 255, np.uint8), ma, shape) >= 250
    grey_a = cv2.cvtColor(np.ascontiguousarray(wa[:, :, :3]), cv2.COLOR_RGB2GRAY)
    content = cov_b & cov_a & before.textured & ~_flat(grey_a)
    region = skin & content
    n_skin = int(region.sum())
    fb, fa = wb[:, :, 3], wa[:, :, 3]
    clear_b, clear_a = fb == 0, fa == 0
    bright_b, bright_a = fb >= _BRIGHT_FLAG, fa >= _BRIGHT_FLAG
    usable = region & clear_b & clear_a
    n_use = int(usable.sum())
    denom = max(n_skin, 1)

    eps = _LOG_EPS
    nan = float("nan")
    min_pixels = max(t.pair_min_pixels, int(t.pair_min_skin_fraction * n_skin))
    if n_use >= min_pixels:
        # Only the usable pixels are converted (boolean indexing and `nonzero` both run in
        # row-major order, so the values, u and v stay paired).
        px = wa[:, :, :3][usable]
        log_rgb = _LOG2_LINEAR[px] - before.log_rgb[usable]
        log_y = np.log2(np.maximum(srgb_to_linear(px) @ _LUMA, eps)) - before.log_y[usable]
        exposure = float(np.median(log_y))
        low = high = exposure
        d_rg = float(np.median(log_rgb[:, 0] - log_rgb[:, 1]))
        d_bg = float(np.median(log_rgb[:, 2] - log_rgb[:, 1]))
        h, w = shape
        yy, xx = np.nonzero(usable)
        u = (xx - w / 2) / iod_px
        v = -(yy - _EYES_Y_IOD * iod_px) / iod_px
        gu, gv, spread = _robust_plane(u, v, log_y) if relight else (nan, nan, nan)
    else:
        exposure, d_rg, d_bg, gu, gv, spread = nan, nan, nan, nan, nan, nan
        lin_a = srgb_to_linear(wa[:, :, :3])
        log_y = np.log2(np.maximum(lin_a @ _LUMA, eps)) - before.log_y
        low, high = _bounds(log_y, region & clear_b, bright_a, (fa > 0) & ~bright_a)
    if blur:
        sigma_iod, blurrier, compared_iod = _equivalent_blur(
            before_rgb, before_pts, after_rgb, mb, ma, iod_px, before_full_iod_px,
            gallop=blur_search == "gallop", memo=blur_memo, iod_step_px=blur_iod_step_px,
            cache=before.blur_cache if blur_iod_step_px > 0 else None,
        )
    else:
        sigma_iod, blurrier, compared_iod = nan, None, nan
    return PairMeasures(
        skin_pixels=n_skin,
        usable_pixels=n_use,
        clipped_before_fraction=float((region & ~clear_b).sum() / denom),
        clipped_after_fraction=float((region & ~clear_a).sum() / denom),
        bright_clipped_before_fraction=float((region & bright_b).sum() / denom),
        bright_clipped_after_fraction=float((region & bright_a).sum() / denom),
        exposure_diff_ev=exposure,
        exposure_low_ev=float(low),
        exposure_high_ev=float(high),
        red_green_diff=d_rg,
        blue_green_diff=d_bg,
        relight_ev_per_iod=float(math.hypot(gu, gv)),
        relight_u_ev_per_iod=gu,
        relight_v_ev_per_iod=gv,
        relight_spread_ev=spread,
        blur_sigma_iod=float(sigma_iod),
        blur_sigma_px=float(sigma_iod * before_full_iod_px),
        blurrier=blurrier,
        blur_compared_iod_px=float(compared_iod),
    )


def _bounds(
    log_y: np.ndarray, base: np.ndarray, bright_a: np.ndarray, dark_a: np.ndarray
) -> tuple[float, float]:
    """Bounds of the median ratio over pixels unclipped in BEFORE: an AFTER pixel clipped
    bright is at least as bright as it reads (its ratio is a lower bound), one clipped dark at
    most as bright."""
    if base.sum() < 10:
        return float("-inf"), float("inf")
    z = log_y[base]
    hi_c, lo_c = bright_a[base], dark_a[base]
    low = float(np.median(np.where(lo_c, -np.inf, z)))
    high = float(np.median(np.where(hi_c, np.inf, z)))
    return low, high


# Each 8-bit code's linear value times its channel's luma weight, as one 3-channel lookup table:
# `cv2.LUT` then `cv2.transform` (a channel sum) give the same linear luminance as the per-pixel
# linearisation and dot product, at about half the cost (the blur measure's per-frame share).
_LUMA_LUT = np.ascontiguousarray(
    (srgb_to_linear(np.arange(256))[:, None] * _LUMA[None, :]).reshape(1, 256, 3)
)


def _log_luma(rgb: np.ndarray) -> np.ndarray:
    lin = cv2.transform(cv2.LUT(np.ascontiguousarray(rgb), _LUMA_LUT), np.ones((1, 3)))
    return np.log2(lin + _BLUR_LOG_OFFSET).astype(np.float32)


def _energy_map(log_l: np.ndarray, window_px: float) -> np.ndarray:
    """Local detail energy: squared gradient averaged over a window (a fraction of the IOD)."""
    gx = cv2.Sobel(log_l, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(log_l, cv2.CV_32F, 0, 1, ksize=3)
    return cv2.GaussianBlur(gx * gx + gy * gy, (0, 0), window_px) + 1e-6


class _BlurBefore:
    """BEFORE's half of the blur measure at one comparison eye distance (kept in a
    `PreparedBefore` when the caller compares many photos or frames with one BEFORE): its log
    luminance, log detail energy, coverage and eroded face oval, and the log detail energy of
    each ladder rung of it blurred, filled as the searches reach them."""

    def __init__(self, before_rgb: np.ndarray, before_pts: np.ndarray, mb: np.ndarray,
                 shape: tuple[int, int], iod_px: float, window: float) -> None:
        self.log_l = _log_luma(_warp(before_rgb, mb, shape))
        self.log_e = np.log(_energy_map(self.log_l, window))
        self.covered = _warp(np.full(before_rgb.shape[:2], 255, np.uint8), mb, shape) >= 250
        pts_c = before_pts[:, :2] @ mb[:2, :2].T + mb[:2, 2]
        face = np.zeros(shape, np.uint8)
        cv2.fillPoly(face, [np.round(pts_c[list(FACE_OVAL)]).astype(np.int32)], 1)
        self.border = max(3, int(round(0.1 * iod_px)))
        self.kernel = np.ones((self.border, self.border), np.uint8)
        self.face = cv2.erode(face, self.kernel) > 0
        self.rungs: dict[int, np.ndarray] = {}


_BLUR_CACHE_SIZES = 4  # comparison eye distances kept per prepared BEFORE (a patient moving)


def _gallop_blur(
    m: Callable[[int], float], which: str, iod_px: float, memo: dict | None = None,
) -> tuple[float, str | None, float]:
    """The walk of `_equivalent_blur` done by doubling, then halving, the ladder step: the
    first rung where the blurred sharper face has no more detail than the softer one, and the
    same interpolation from the rung before it (`m(k)`: the median log ratio at rung k). With
    `memo`, the search starts at the lower rung of the last crossing found for the same
    sharper side (see `measure_pair`): still above it, the gallop goes on from there; already
    below, it halves back towards rung 0."""
    ladder = _BLUR_LADDER_IOD
    last = len(ladder) - 1
    lo, hi, step = 0, None, 1
    start = int(memo.get("lo", 0)) if memo is not None and memo.get("which") == which else 0
    if 0 < start < last:
        if m(start) > 0:
            lo = start
        else:
            hi = start
    while hi is None:
        k = min(lo + step, last)
        if m(k) <= 0:
            hi = k
        elif k == last:
            if memo is not None:
                memo.update(which=which, lo=0)
            return float(ladder[-1]), which, iod_px
        else:
            lo, step = k, step * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if m(mid) <= 0:
            hi = mid
        else:
            lo = mid
    if memo is not None:
        memo.update(which=which, lo=lo)
    prev_sigma, prev_m, sigma_k, m_k = float(ladder[lo]), m(lo), float(ladder[hi]), m(hi)
    f = prev_m / max(prev_m - m_k, 1e-9)
    sigma = prev_sigma + f * (sigma_k - prev_sigma)
    return float(sigma), (which if sigma > 0 else None), iod_px


def _equivalent_blur(
    before_rgb: np.ndarray,
    before_pts: np.ndarray,
    after_rgb: np.ndarray,
    mb64: np.ndarray,
    ma64: np.ndarray,
    iod64: float,
    before_full_iod_px: float,
    gallop: bool = False,
    memo: dict | None = None,
    iod_step_px: float = 0.0,
    cache: dict | None = None,
) -> tuple[float, str | None, float]:
    """σ (in eye distances) that turns the sharper face into the softer one's detail level.

    Both faces are resampled to the eye distance of the lower-resolution one (at most
    `_BLUR_MAX_IOD_PX`), so a mere difference in resolution is not called blur. With
    `iod_step_px` that eye distance is rounded down to a multiple of it (still no finer than
    either face), so consecutive live frames compare at the same size and BEFORE's half —
    including its blurred ladder rungs — is made once per size and kept in `cache`."""
    iod_b = iod64 / math.sqrt(abs(np.linalg.det(mb64[:2, :2])))
    iod_a = iod64 / math.sqrt(abs(np.linalg.det(ma64[:2, :2])))
    iod_px = max(24.0, min(iod_b, iod_a, _BLUR_MAX_IOD_PX))
    if iod_step_px > 0:
        iod_px = max(24.0, math.floor(iod_px / iod_step_px) * iod_step_px)
    k = iod_px / iod64
    scale = np.diag([k, k, 1.0])
    mb, ma = scale @ mb64, scale @ ma64
    shape = (int(round(_H_IOD * iod_px)), int(round(_W_IOD * iod_px)))
    window = max(1.0, _BLUR_WINDOW_IOD * iod_px)
    side = cache.get(iod_px) if cache is not None else None
    if side is None:
        side = _BlurBefore(before_rgb, before_pts, mb, shape, iod_px, window)
        if cache is not None:
            # Oldest size out first. One guide's measure thread uses a baseline's cache; should
            # two ever share one, a size evicted twice or kept once more is harmless.
            for old_size in list(cache)[: max(0, len(cache) - _BLUR_CACHE_SIZES + 1)]:
                cache.pop(old_size, None)
            cache[iod_px] = side
    la = _log_luma(_warp(after_rgb, ma, shape))
    cov = side.covered & (_warp(np.full(after_rgb.shape[:2], 255, np.uint8), ma, shape) >= 250)
    mask = side.face & cv2.erode(cov.astype(np.uint8), side.kernel).astype(bool)
    if mask.sum() < 100:
        return float("nan"), None, iod_px
    # Each neighbourhood of the face votes (median of local energy ratios), so a change of
    # content in part of the face (expression, a strand of hair, glasses) does not read as blur.
    log_eb = side.log_e[mask]
    log_ea = np.log(_energy_map(la, window)[mask])
    m0 = float(np.median(log_eb - log_ea))
    ladder = _BLUR_LADDER_IOD
    if m0 >= 0:  # BEFORE is the sharper: its blurred rungs are the same for every AFTER
        which, log_soft = "after", log_ea
        kept = side.rungs if cache is not None else None

        def log_sharp(k: int) -> np.ndarray:
            if kept is not None and k in kept:
                return kept[k][mask]
            blurred = cv2.GaussianBlur(side.log_l, (0, 0), float(ladder[k] * iod_px))
            full = np.log(_energy_map(blurred, window))
            if kept is not None:
                kept[k] = full
            return full[mask]
    else:
        which, log_soft = "before", log_eb

        def log_sharp(k: int) -> np.ndarray:
            blurred = cv2.GaussianBlur(la, (0, 0), float(ladder[k] * iod_px))
            return np.log(_energy_map(blurred, window)[mask])

    seen: dict[int, float] = {0: abs(m0)}

    def m(k: int) -> float:
        if k not in seen:
            seen[k] = float(np.median(log_sharp(k) - log_soft))
        return seen[k]

    if gallop:
        return _gallop_blur(m, which, iod_px, memo)
    prev_sigma, prev_m = 0.0, abs(m0)
    for rung in range(1, len(ladder)):
        sigma_iod = float(ladder[rung])
        mk = m(rung)
        if mk <= 0:
            f = prev_m / max(prev_m - mk, 1e-9)
            sigma = prev_sigma + f * (sigma_iod - prev_sigma)
            return float(sigma), (which if sigma > 0 else None), iod_px
        prev_sigma, prev_m = sigma_iod, mk
    return float(ladder[-1]), which, iod_px
