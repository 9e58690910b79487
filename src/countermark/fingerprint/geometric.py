"""Crop-, pad- and rotation-resistant verification: ORB features matched, then a RANSAC homography."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps

MIN_INLIERS = 20
INLIER_SOURCE = (
    "measured with bench/fingerprint_robustness.py --inliers: over every (copy, unrelated photograph) "
    "pair of the crop, pad, rotate and flip sets, at most 14 RANSAC inliers (ratio 0.41); copies: median 661"
)
MIN_INLIER_RATIO = 0.25
ORB_FEATURES = 1000
# A low FAST threshold and a narrow border find corners on soft, low-contrast photographs (a clock face, a
# cell under the microscope: 10 and 18 corners at OpenCV's defaults, 343 and 723 here); the strongest
# ORB_FEATURES are kept, so detailed photographs keep the same ones.
ORB_FAST_THRESHOLD = 5
ORB_EDGE = 15
ORB_SIDE = 512
# A picture whose PDQ hash is too flat (quality < 50) is still enrolled when ORB finds this many features:
# the geometric stage alone can match it (the clock photograph: PDQ quality 34, 335 features).
MIN_ENROL_FEATURES = 100
RATIO_TEST = 0.8
REPROJECTION_PX = 6.0


@dataclass(frozen=True)
class Verification:
    """The outcome of geometric verification: inliers of the best homography, and whether it is a match."""

    inliers: int
    matches: int
    mirrored: bool

    @property
    def inlier_ratio(self) -> float:
        """Share of the ratio-tested feature matches that agree with the homography."""
        return self.inliers / self.matches if self.matches else 0.0

    @property
    def is_match(self) -> bool:
        """Whether enough features agree on one geometric transform to call it the same picture."""
        return self.inliers >= MIN_INLIERS and self.inlier_ratio >= MIN_INLIER_RATIO

    @property
    def score(self) -> float:
        """A 0-1 confidence: inliers relative to twice the threshold, capped."""
        return min(1.0, self.inliers / (2 * MIN_INLIERS))


@dataclass
class OrbFeatures:
    """ORB keypoint coordinates and descriptors of a picture (mirrored flag says which way round)."""

    points: NDArray[np.float32]
    descriptors: NDArray[np.uint8] | None


def _gray(img: Image.Image) -> NDArray[np.uint8]:
    small = img.copy()
    small.thumbnail((ORB_SIDE, ORB_SIDE), Image.Resampling.BILINEAR)
    return np.ascontiguousarray(np.asarray(small.convert("L"), dtype=np.uint8))


def orb_features(img: Image.Image) -> OrbFeatures:
    """ORB features of a picture, at most ORB_FEATURES, computed on a copy shrunk to ORB_SIDE."""
    orb = cv2.ORB.create(nfeatures=ORB_FEATURES, fastThreshold=ORB_FAST_THRESHOLD, edgeThreshold=ORB_EDGE)
    keypoints, descriptors = orb.detectAndCompute(_gray(img), None)
    points = np.array([kp.pt for kp in keypoints], dtype=np.float32).reshape(-1, 2)
    return OrbFeatures(points, None if descriptors is None else np.asarray(descriptors, dtype=np.uint8))


def _inliers(query: OrbFeatures, reference: OrbFeatures) -> tuple[int, int]:
    if query.descriptors is None or reference.descriptors is None:
        return 0, 0
    if len(query.descriptors) < 4 or len(reference.descriptors) < 4:
        return 0, 0
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    pairs = matcher.knnMatch(query.descriptors, reference.descriptors, k=2)
    # Lowe's ratio test drops features that match several places equally well (repeated texture).
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO_TEST * p[1].distance]
    if len(good) < 8:
        return 0, len(good)
    src = query.points[[m.queryIdx for m in good]].reshape(-1, 1, 2)
    dst = reference.points[[m.trainIdx for m in good]].reshape(-1, 1, 2)
    homography, mask = cv2.findHomography(src, dst, cv2.RANSAC, REPROJECTION_PX)
    if homography is None or mask is None or not _plausible(np.asarray(homography, dtype=np.float64)):
        return 0, len(good)
    return int(mask.sum()), len(good)


def _plausible(homography: NDArray[np.float64]) -> bool:
    """Whether a homography is a photo edit (scale, shift, small tilt) rather than a degenerate fit."""
    affine = homography[:2, :2]
    det = float(np.linalg.det(affine))
    perspective = float(np.abs(homography[2, :2]).max())
    return 0.05 < abs(det) < 20.0 and perspective < 0.005


def verify(
    query: Image.Image,
    reference: OrbFeatures,
    *,
    query_features: OrbFeatures | None = None,
    mirrored_features: OrbFeatures | None = None,
) -> Verification:
    """Geometric verification of a suspect picture against a reference, trying it as is and mirrored."""
    direct = query_features or orb_features(query)
    inliers, matches = _inliers(direct, reference)
    best = Verification(inliers, matches, mirrored=False)
    if best.is_match:
        return best
    flipped = mirrored_features or orb_features(ImageOps.mirror(query))
    inliers, matches = _inliers(flipped, reference)
    other = Verification(inliers, matches, mirrored=True)
    return other if other.inliers > best.inliers else best

