"""Shipments (declarations and consignments) and their risk targeting."""
