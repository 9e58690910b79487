"""Two-stage image matching in memory: PDQ over the eight flips and rotations, then region hashes + ORB."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageOps

from countermark.fingerprint import geometric, pdq
from countermark.fingerprint.index import DEFAULT_KIND, BinaryIndex

# Region hashes are keyed entry_id * REGION_SLOTS + k, so the owner of a region is one division away.
REGION_SLOTS = 64
# More candidates cost ORB verifications (~10 ms each) but recover tight crops; see CANDIDATE_SOURCE.
MAX_VERIFIED = 16


@dataclass(frozen=True)
class ImageMatch:
    """An enrolled picture that matches a suspect one: how it was found and how close it is."""

    entry_id: int
    stage: str  # "pdq" (whole-picture hash within 31 bits) or "geometric" (ORB + RANSAC verified)
    distance: int  # best Hamming distance between the suspect's and the reference's hashes
    score: float  # 1 - distance/256 for PDQ; inlier-based confidence for geometric
    inliers: int = 0


@dataclass(frozen=True)
class QuerySignals:
    """Everything computed from a suspect picture once, reused against every bank."""

    image: Image.Image
    dihedral: list[pdq.PdqHash]
    regions: list[geometric.RegionHash]


def query_signals(img: Image.Image, *, with_regions: bool = True) -> QuerySignals:
    """The PDQ hashes (eight orientations) and, for the second stage, region hashes of a suspect picture."""
    regions = geometric.query_region_hashes(img) if with_regions else []
    return QuerySignals(img, pdq.dihedral_pixels(img), regions)


FeatureSource = Callable[[int], geometric.OrbFeatures | None]


class ImageMatcher:
    """Whole-picture and region hash indexes plus a source of reference ORB features."""

    def __init__(self, features: FeatureSource, *, kind: str = DEFAULT_KIND) -> None:
        self.features = features
        self.whole = BinaryIndex(kind)
        # Region hashes are searched at a wide radius, which hash tables do not cover exactly: scan them.
        self.regions = BinaryIndex("flat")

    def __len__(self) -> int:
        return len(self.whole)

    def add(self, entry_id: int, whole: pdq.PdqHash, regions: list[geometric.RegionHash]) -> None:
        """Enrol one picture: matchable by PDQ at once, and by the second stage through its regions."""
        self.whole.add([entry_id], [bytes.fromhex(whole.hex)])
        ids = [entry_id * REGION_SLOTS + k for k in range(min(len(regions), REGION_SLOTS))]
        self.regions.add(ids, [bytes.fromhex(r.hash.hex) for r in regions[: len(ids)]])

    def disable(self, entry_ids: list[int]) -> None:
        """Stop matching the entries now."""
        self.whole.disable(entry_ids)
        self.regions.disable([e * REGION_SLOTS + k for e in entry_ids for k in range(REGION_SLOTS)])

    def match(self, query: QuerySignals, *, geometric_stage: bool = True) -> list[ImageMatch]:
        """Entries matching the suspect picture, best first: PDQ matches, then geometrically verified ones."""
        found: dict[int, ImageMatch] = {}
        usable = [h for h in query.dihedral if h.usable]
        for hits in self.whole.search([bytes.fromhex(h.hex) for h in usable], pdq.MATCH_THRESHOLD):
            for hit in hits:
                current = found.get(hit.entry_id)
                if current is None or hit.distance < current.distance:
                    found[hit.entry_id] = ImageMatch(
                        hit.entry_id, "pdq", hit.distance, 1 - hit.distance / pdq.BITS
                    )
        if geometric_stage:
            for match in self._second_stage(query, set(found)):
                found[match.entry_id] = match
        return sorted(found.values(), key=lambda m: (m.stage != "pdq", m.distance, -m.score, m.entry_id))

    def candidates(self, query: QuerySignals, exclude: set[int]) -> list[tuple[int, int]]:
        """(entry id, closest region distance) of entries with regions like the suspect's, closest first."""
        codes = [bytes.fromhex(r.hash.hex) for r in query.regions]
        best: dict[int, int] = {}
        for hits in self.regions.search(codes, geometric.CANDIDATE_RADIUS):
            for hit in hits:
                owner = hit.entry_id // REGION_SLOTS
                best[owner] = min(best.get(owner, 999), hit.distance)
        for hits in self.whole.search(codes, geometric.CANDIDATE_RADIUS):
            for hit in hits:
                best[hit.entry_id] = min(best.get(hit.entry_id, 999), hit.distance)
        ranked = sorted((d, e) for e, d in best.items() if e not in exclude)
        return [(e, d) for d, e in ranked[:MAX_VERIFIED]]

    def _second_stage(self, query: QuerySignals, exclude: set[int]) -> list[ImageMatch]:
        candidates = self.candidates(query, exclude)
        if not candidates:
            return []
        direct = geometric.orb_features(query.image)
        mirrored = geometric.orb_features(ImageOps.mirror(query.image))
        out: list[ImageMatch] = []
        for entry_id, dist in candidates:
            reference = self.features(entry_id)
            if reference is None:
                continue
            verdict = geometric.verify(
                query.image, reference, query_features=direct, mirrored_features=mirrored
            )
            if verdict.is_match:
                out.append(ImageMatch(entry_id, "geometric", dist, verdict.score, verdict.inliers))
        return out
