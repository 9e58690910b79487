"""Sharing between instances: STIX 2.1 over TAXII 2.1, private matching, requests for assistance."""
