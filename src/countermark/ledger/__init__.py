"""Tamper-evident ledger: an append-only RFC 9162 Merkle log, checkpoints, proofs, evidence packages."""
