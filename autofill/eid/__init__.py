"""The national e-ID the citizen logs in with (DESIGN §10).

`provider.IdentityProvider` is what the service relies on: an authorization URL to send the
browser to, and the redemption of the code it comes back with into a verified `Identity`.
`mock.MockEid` is the VNeID stand-in (pages at /eid, `AUTOFILL_EID_ENABLED`); a real VNeID
client would implement the same two calls.
"""
