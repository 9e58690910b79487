"""Online monitoring: crawl sources over HTTP (and SOCKS5), snapshot every fetch as WARC, feed ingestion."""
