"""Two-stage image matching in memory: PDQ over the eight flips and rotations, then ORB votes + RANSAC."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageOps

from countermark.fingerprint import geometric, pdq
from countermark.fingerprint.descriptors import DescriptorIndex
from countermark.fingerprint.index import DEFAULT_KIND, BinaryIndex

# Each costs a RANSAC verification (~5-10 ms); more than a handful are only voted for by look-alikes.
MAX_VERIFIED = 16


@dataclass(frozen=True)
class ImageMatch:
    """An enrolled picture that matches a suspect one: how it was found and how close it is."""

    entry_id: int
    stage: str  # "pdq" (whole-picture hash within 31 bits) or "geometric" (ORB + RANSAC verified)
    distance: int  # PDQ Hamming distance (the lookup fills it in for "geometric" matches; 256 until then)
    score: float  # 1 - distance/256 for PDQ; inlier-based confidence for geometric
    inliers: int = 0


@dataclass(frozen=True)
class QuerySignals:
    """Everything computed from a suspect picture once, reused against every bank."""

    image: Image.Image
    dihedral: list[pdq.PdqHash]
    # The hashes of the picture inside its flat frame (a padded or letterboxed copy) in its eight
    # orientations, when it has one (the inside as it is first).
    inner_turns: list[pdq.PdqHash] = field(default_factory=list)

    @property
    def inner(self) -> pdq.PdqHash | None:
        """The hash of the inside of the picture's flat frame, as it is; None without a frame."""
        return self.inner_turns[0] if self.inner_turns else None

    @property
    def whole_hashes(self) -> list[pdq.PdqHash]:
        """The hashes the whole-picture stage looks up: eight orientations of the picture and of the
        inside of its frame."""
        return [*self.dihedral, *self.inner_turns]


def query_signals(img: Image.Image) -> QuerySignals:
    """The PDQ hashes of a suspect picture in its eight orientations and inside its flat frame, when it
    has one (ORB features come when needed)."""
    return QuerySignals(img, *pdq.dihedral_and_inner(img))


FeatureSource = Callable[[int], geometric.OrbFeatures | None]


class ImageMatcher:
    """The whole-picture PDQ index and the reference pictures' ORB descriptors."""

    def __init__(self, features: FeatureSource | None = None, *, kind: str = DEFAULT_KIND) -> None:
        # Where the features of an entry added without them come from (the live matcher reads its picture).
        self.features = features
        self.whole = BinaryIndex(kind)
        self.descriptors = DescriptorIndex()
        # Entries whose PDQ hash is too flat to trust (quality < 50): matched by the geometric stage only.
        self.flat: set[int] = set()

    def __len__(self) -> int:
        return len(self.whole)

    def add(self, entry_id: int, whole: pdq.PdqHash, features: geometric.OrbFeatures | None = None) -> None:
        """Enrol one picture: matchable by PDQ and, through its ORB descriptors, by the second stage."""
        self.whole.add([entry_id], [bytes.fromhex(whole.hex)])
        if not whole.usable:
            self.flat.add(entry_id)
        if features is None and self.features is not None and entry_id not in self.descriptors.known_ids():
            features = self.features(entry_id)
        if features is None and entry_id not in self.descriptors.known_ids():
            # No picture to read: held without keypoints, so the saved indexes still agree on their ids.
            features = geometric.OrbFeatures(np.zeros((0, 2), dtype=np.float32), None)
        if features is not None:
            self.descriptors.add(entry_id, features)
        else:
            self.descriptors.enable([entry_id])

    def forget(self, entry_ids: list[int]) -> None:
        """Drop entries from both stages for good (an id reused for another picture)."""
        self.whole.forget(entry_ids)
        self.descriptors.forget(entry_ids)
        self.flat.difference_update(entry_ids)

    def enable(self, entry_ids: list[int]) -> None:
        """Make disabled entries match again."""
        self.whole.enable(entry_ids)
        self.descriptors.enable(entry_ids)

    def disable(self, entry_ids: list[int]) -> None:
        """Stop matching the entries now."""
        self.whole.disable(entry_ids)
        self.descriptors.disable(entry_ids)

    def match(self, query: QuerySignals, *, geometric_stage: bool = True) -> list[ImageMatch]:
        """Entries matching the suspect picture, best first: PDQ matches, then geometrically verified ones."""
        found: dict[int, ImageMatch] = {}
        usable = [h for h in query.whole_hashes if h.usable]
        for hits in self.whole.search([bytes.fromhex(h.hex) for h in usable], pdq.MATCH_THRESHOLD):
            for hit in hits:
                if hit.entry_id in self.flat:
                    continue
                current = found.get(hit.entry_id)
                if current is None or hit.distance < current.distance:
                    found[hit.entry_id] = ImageMatch(
                        hit.entry_id, "pdq", hit.distance, 1 - hit.distance / pdq.BITS
                    )
        if geometric_stage:
            for match in self._second_stage(query, set(found)):
                found[match.entry_id] = match
        return sorted(found.values(), key=lambda m: (m.stage != "pdq", m.distance, -m.score, m.entry_id))

    def _second_stage(self, query: QuerySignals, exclude: set[int]) -> list[ImageMatch]:
        """Candidates by descriptor votes (mirrored too when none), verified by ORB + RANSAC."""
        direct = geometric.orb_features(query.image)
        voted = self.descriptors.candidates(direct, exclude, MAX_VERIFIED)
        mirrored: geometric.OrbFeatures | None = None
        if not voted:  # a mirrored copy: its descriptors vote only once mirrored back
            mirrored = geometric.orb_features(ImageOps.mirror(query.image))
            voted = self.descriptors.candidates(mirrored, exclude, MAX_VERIFIED)
        if voted and mirrored is None:
            mirrored = geometric.orb_features(ImageOps.mirror(query.image))
        out: list[ImageMatch] = []
        for entry_id, _votes in voted:
            reference = self.descriptors.features(entry_id)
            if reference is None:
                continue
            verdict = geometric.verify(
                query.image, reference, query_features=direct, mirrored_features=mirrored
            )
            if verdict.is_match:
                out.append(ImageMatch(entry_id, "geometric", pdq.BITS, verdict.score, verdict.inliers))
        return out
