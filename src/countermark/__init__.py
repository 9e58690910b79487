"""Countermark: detect, link, target and act on counterfeiting and piracy across platforms and borders."""

__version__ = "0.1.0"
