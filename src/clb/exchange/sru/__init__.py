"""SRU 1.2 and 2.0 (Search/Retrieve via URL) over the national catalogue, with CQL queries."""
