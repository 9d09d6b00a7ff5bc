"""Vietnamese-aware fuzzy search over both registries.

`names` and `enterprise` normalise what is compared; `keys` and `index` keep a blocking-key
index in the database (rebuilt after bulk loads through `registries.indexing`, updated
with every record write); `service` finds candidates there and ranks them (`ranking`).
"""

from registries.search import index as index
from registries.search.index import reindex_record
from registries.search.service import SearchService, describe_query

__all__ = ["SearchService", "describe_query", "index", "reindex_record"]
