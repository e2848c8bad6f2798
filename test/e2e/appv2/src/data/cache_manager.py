"""Stand-in for AppV2's cache manager: refreshing the universes reads them back from
cache_entries with the SQL of seed 001, through psql, as AppV2's read-only role."""
import os
import subprocess

SEED_001_SQL = """SELECT universe, jsonb_array_length(content->'symbols') as symbol_count
FROM cache_entries
ORDER BY updated_at DESC
LIMIT 10;"""


class CacheManager:
    def __init__(self):
        self.refreshes = []

    def refresh_all_universes(self):
        out = subprocess.run(
            ["/usr/bin/psql", os.environ["TICKSTOCK_READER_URL"], "-X", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1", "-c", SEED_001_SQL],
            check=True, capture_output=True, text=True, timeout=30,
        ).stdout
        rows = [line.split("|") for line in out.splitlines() if line]
        self.refreshes.append([[universe, int(count)] for universe, count in rows])


cache_manager = CacheManager()
