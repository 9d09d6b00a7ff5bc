"""Trust: who may read whose data, and the record that they did (keys, authorisation,
rate limits, enumeration watch, audit log, redaction, submission tokens)."""
