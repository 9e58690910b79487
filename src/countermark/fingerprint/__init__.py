"""Fingerprinting and matching: signal types, banks of genuine and infringing content, match indexes."""
