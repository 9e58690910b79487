"""Network linking: the evidence graph of accounts, shops, domains and shipment parties; its networks."""
