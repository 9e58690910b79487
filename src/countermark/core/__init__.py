"""Settings, database, blob store, errors and clock shared by every capability."""
