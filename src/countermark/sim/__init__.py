"""The synthetic world: brands, platforms, networks and customs data, with its ground truth kept apart."""

from countermark.sim.manifest import WorldManifest
from countermark.sim.world import build_world

__all__ = ["WorldManifest", "build_world"]
