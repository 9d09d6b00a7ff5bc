"""Prefill: resolve a form's subjects, fill its fields, provenance and coverage."""
