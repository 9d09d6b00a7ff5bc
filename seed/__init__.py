"""Fake-registry generation for testers: generators, personas, loader.

`seed_registry(url, citizens=N, businesses=M, seed=S)` fills an existing registry schema
(run `autofill.database.migrate` first; the `autofill seed` command does) with the named
personas plus N citizens and M businesses generated from seed S. The same arguments give
byte-identical records on any machine and any day.
"""

from seed.loader import RegistryNotEmpty, SchemaMissing, SeedReport, seed_registry
from seed.personas import PERSONAS, Persona, persona

__all__ = [
    "PERSONAS",
    "Persona",
    "RegistryNotEmpty",
    "SchemaMissing",
    "SeedReport",
    "persona",
    "seed_registry",
]
