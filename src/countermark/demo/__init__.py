"""The demo: the synthetic world ingested through the ordinary path, then every capability run on it in order.

Each step here composes the capabilities' service functions; no capability imports this package."""
