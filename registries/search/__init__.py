"""Vietnamese-aware fuzzy search over both registries.

`names` and `enterprise` normalise what is compared; `keys` and `index` keep a blocking-key
index in the database (updated with every record write; `rebuild` rebuilds it after bulk
loads through `registries.indexing`); `service` finds candidates there and ranks them
(`ranking`); `evaluation` makes the query set that measures it.
"""

from registries.search import rebuild as rebuild
from registries.search.index import reindex_record
from registries.search.service import SearchService, describe_query

__all__ = ["SearchService", "describe_query", "rebuild", "reindex_record"]
