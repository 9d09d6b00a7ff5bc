"""Consent receipts: a JWS signed by the service that anyone can check against the JWKS."""

from __future__ import annotations

import asyncio

import jwt
from fastapi.testclient import TestClient

from autofill.config import Settings
from seed.personas import PERSONAS
from tests.api.oauth_flow import PURPOSE, register, token_for, with_eid

TYPICAL = next(p for p in PERSONAS if p.key == "typical_adult").identifier


def test_a_receipt_verifies_against_the_published_keys(seeded_settings: Settings, tmp_path) -> None:
    from main import create_app

    with TestClient(create_app(with_eid(seeded_settings, tmp_path))) as browser:
        portal = register(browser, "Cổng DVC biên nhận")
        token_for(browser, portal, TYPICAL, state="s-1")
        services = browser.app.state.services  # type: ignore[attr-defined]
        citizen = services.trust.hasher.hash(TYPICAL)
        (consent,) = asyncio.run(services.consents.list_for(citizen))
        assert asyncio.run(services.consents.receipt(consent.id, "f" * 64)) is None
        receipt = asyncio.run(services.consents.receipt(consent.id, citizen))
        issuer = browser.get("/.well-known/openid-configuration").json()["issuer"]
        keys = jwt.PyJWKSet.from_dict(browser.get("/.well-known/jwks.json").json())
        kid = jwt.get_unverified_header(receipt)["kid"]
        key = next(k for k in keys.keys if k.key_id == kid)
        claims = jwt.decode(receipt, key, algorithms=["ES256"], issuer=issuer)
        assert claims["typ"] == "consent-receipt" and claims["consent_id"] == consent.id
        assert claims["client_name"] == "Cổng DVC biên nhận" and claims["purpose"] == PURPOSE
        assert claims["form_id"] == "ct01" and claims["form_version"] == 1
        assert "applicant.full_name" in claims["attributes"]
        assert claims["assurance_level"] == 2 and claims["sub"] == citizen
        assert TYPICAL not in receipt and TYPICAL not in str(claims)
        tampered = receipt[:-4] + ("AAAA" if receipt[-4:] != "AAAA" else "BBBB")
        try:
            jwt.decode(tampered, key, algorithms=["ES256"], issuer=issuer)
        except jwt.InvalidSignatureError:
            pass
        else:
            raise AssertionError("an altered receipt verified")
