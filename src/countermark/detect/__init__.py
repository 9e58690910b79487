"""Listing detection. For now only the naive baseline that shows how hard the world is."""
