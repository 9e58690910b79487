"""Genuine-product authentication: signed serial codes, verification, supply-chain events, clones, reports."""
