"""The synthetic world served as real websites on 127.0.0.1, for crawlers to crawl (see docs/sites.md)."""

from countermark.sim.sites.hostility import Hostility, RequestStats
from countermark.sim.sites.served import SERVED_FILE, ServedWorld, serve_world

__all__ = ["SERVED_FILE", "Hostility", "RequestStats", "ServedWorld", "serve_world"]
