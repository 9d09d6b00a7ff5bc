"""Fake-registry generation for testers: generators, personas, loader, CLI."""
