"""Crop-, pad- and rotation-resistant matching: region hashes for candidates, ORB + RANSAC to verify."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps

from countermark.fingerprint.imaging import trim_uniform_border
from countermark.fingerprint.pdq import PdqHash, hash_pixels

# A looser radius than the PDQ match threshold: these hashes only nominate candidates, ORB decides.
CANDIDATE_RADIUS = 84
CANDIDATE_SOURCE = (
    "measured with bench/fingerprint_robustness.py: at 64, 20% crops were nominated for 41% of photos; "
    "at 84 with 16 candidates, 77%, still with no false match over 6,468 unrelated pairs"
)
MIN_INLIERS = 20
INLIER_SOURCE = (
    "measured with bench/fingerprint_robustness.py: unrelated photographs stay well below 20 RANSAC inliers"
)
MIN_INLIER_RATIO = 0.25
ORB_FEATURES = 1000
ORB_SIDE = 512
RATIO_TEST = 0.8
REPROJECTION_PX = 6.0


# Reference regions: a grid of sub-pictures at four scales, in steps of 5% of the side, so that any crop
# of up to 20% has a reference region that frames nearly the same content.
def _grid() -> tuple[tuple[str, float, float, float, float], ...]:
    regions = []
    for scale in (0.95, 0.9, 0.85, 0.8):
        steps = round((1 - scale) / 0.05) + 1
        for i in range(steps):
            for j in range(steps):
                x0, y0 = 0.05 * i, 0.05 * j
                regions.append((f"s{int(scale * 100)}x{i}y{j}", x0, y0, x0 + scale, y0 + scale))
    return tuple(regions)


REFERENCE_REGIONS = _grid()
# Sellers tilt photos by a few degrees; the suspect is turned back by these angles before hashing.
DEROTATIONS = (-6.0, -3.0, 3.0, 6.0)


@dataclass(frozen=True)
class RegionHash:
    """The PDQ hash of one named region of a picture."""

    region: str
    hash: PdqHash


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


def _crop(img: Image.Image, box: tuple[float, float, float, float]) -> Image.Image:
    w, h = img.size
    return img.crop((int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)))


def reference_region_hashes(img: Image.Image) -> list[RegionHash]:
    """Region hashes of an enrolled picture (the whole-picture hash is stored separately)."""
    regions = [
        RegionHash(name, hash_pixels(_crop(img, (x0, y0, x1, y1))))
        for name, x0, y0, x1, y1 in REFERENCE_REGIONS
    ]
    trimmed = trim_uniform_border(img)
    if trimmed.size != img.size:
        regions.append(RegionHash("trimmed", hash_pixels(trimmed)))
    return [r for r in regions if r.hash.usable]


def query_region_hashes(img: Image.Image) -> list[RegionHash]:
    """Region hashes of a suspect picture: itself, without its frame, its centre, and mirrored."""
    trimmed = trim_uniform_border(img)
    candidates = [("whole", img), ("trimmed", trimmed)]
    for angle in DEROTATIONS:
        turned = trimmed.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=(255, 255, 255))
        # The centre avoids the blank corners the rotation leaves, which no reference region has.
        candidates.append((f"derotated{angle:+.0f}", _crop(turned, (0.1, 0.1, 0.9, 0.9))))
    out: list[RegionHash] = []
    for name, region in candidates:
        out.append(RegionHash(name, hash_pixels(region)))
        out.append(RegionHash(name + "-mirrored", hash_pixels(ImageOps.mirror(region))))
    return [r for r in out if r.hash.usable]


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
    orb = cv2.ORB.create(nfeatures=ORB_FEATURES)
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


def serialise_features(features: OrbFeatures) -> bytes:
    """ORB features as bytes, for the feature cache."""
    desc = features.descriptors if features.descriptors is not None else np.zeros((0, 32), np.uint8)
    header = np.array([len(features.points)], dtype=np.int32).tobytes()
    return header + features.points.astype(np.float32).tobytes() + desc.astype(np.uint8).tobytes()


def deserialise_features(data: bytes) -> OrbFeatures:
    """ORB features from serialise_features' bytes."""
    count = int(np.frombuffer(data[:4], dtype=np.int32)[0])
    points = np.frombuffer(data[4 : 4 + count * 8], dtype=np.float32).reshape(-1, 2).copy()
    desc = np.frombuffer(data[4 + count * 8 :], dtype=np.uint8).reshape(-1, 32).copy()
    return OrbFeatures(points, desc if len(desc) else None)
