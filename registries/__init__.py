"""The mock national registries: identifiers, records, storage, cache, lookup and search."""
