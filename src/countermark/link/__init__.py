"""Network linking: the evidence graph of accounts, shops, domains and shipment parties, and the networks in it."""
