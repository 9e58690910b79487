"""Organisations, users, markings, sharing groups and the audit trail."""
