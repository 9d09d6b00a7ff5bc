"""The service as an OAuth 2.0 authorization server for prefill, under citizens' consent
(DESIGN §10, docs/consent.md): registered clients, consents as data with signed receipts,
authorization codes with PKCE, access tokens, and the consent-token principal.

No HTTP here: the routes are `autofill.api.oauth`, `autofill.api.clients`.
"""
