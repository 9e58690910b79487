"""One ingestion path for every kind of record: read, validate, store once, reject with reasons."""
