"""`POST /v1/forms/{id}/verify`: unchanged, tampered, expired (410), malformed (422)."""

from __future__ import annotations

import time

from tests.api.keyring import PERSON, bearer, create_key

LOCKED = {"full_name": "NGUYỄN VĂN AN", "birth_date": "1989-03-02"}


def _token(app, key_id: str, *, form: str = "ho-khau", issued: float | None = None) -> str:
    trust = app.state.services.trust
    return trust.signer.issue(
        key_id=key_id,
        form_id=form,
        form_version=1,
        subjects={"applicant": trust.hasher.hash(PERSON)},
        locked=LOCKED,
        now=issued,
    ).token


def _verify(client, secret: str, token: str, values, form: str = "ho-khau", **extra):  # type: ignore[no-untyped-def]
    return client.post(
        f"/v1/forms/{form}/verify",
        json={"token": token, "values": values, "subjects": {"applicant": PERSON}, **extra},
        headers=bearer(secret),
    )


class TestVerify:
    def test_unchanged_values(self, app, client) -> None:
        key_id, secret = create_key(client, "prefill")
        r = _verify(client, secret, _token(app, key_id), {**LOCKED, "reason": "chuyển nhà"})
        assert r.status_code == 200
        body = r.json()
        assert body["intact"] is True
        assert body["unchanged"] == ["birth_date", "full_name"]
        assert body["changed"] == [] and body["missing"] == []
        assert (body["form_id"], body["form_version"]) == ("ho-khau", 1)

    def test_a_tampered_value_is_named(self, app, client) -> None:
        key_id, secret = create_key(client, "prefill")
        r = _verify(client, secret, _token(app, key_id), {**LOCKED, "full_name": "NGUYỄN VĂN BA"})
        assert r.status_code == 200
        assert r.json()["intact"] is False
        assert r.json()["changed"] == ["full_name"]

    def test_the_subject_can_be_checked(self, app, client) -> None:
        key_id, secret = create_key(client, "prefill")
        token = _token(app, key_id)
        same = _verify(client, secret, token, LOCKED, subjects={"applicant": PERSON})
        assert same.json()["subject_matches"] is True
        other = _verify(client, secret, token, LOCKED, subjects={"applicant": "001089012346"})
        assert other.json()["subject_matches"] is False and other.json()["intact"] is False

    def test_expired_is_410(self, app, client) -> None:
        key_id, secret = create_key(client, "prefill")
        token = _token(app, key_id, issued=time.time() - 2 * 3600)
        r = _verify(client, secret, token, LOCKED)
        assert r.status_code == 410
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == "token_expired"

    def test_malformed_is_422(self, client) -> None:
        _, secret = create_key(client, "prefill")
        r = _verify(client, secret, "v1.not.valid", LOCKED)
        assert r.status_code == 422
        assert r.json()["errors"][0]["pointer"] == "/token"
        assert _verify(client, secret, "", LOCKED).status_code == 422
        r = client.post("/v1/forms/ho-khau/verify", json={"values": {}}, headers=bearer(secret))
        assert r.status_code == 422

    def test_another_forms_token_is_422(self, app, client) -> None:
        key_id, secret = create_key(client, "prefill")
        r = _verify(client, secret, _token(app, key_id, form="other-form"), LOCKED)
        assert r.status_code == 422
        assert r.json()["errors"][0]["code"] == "token_form_mismatch"

    def test_another_keys_token_is_403(self, app, client) -> None:
        key_id, _ = create_key(client, "prefill")
        _, other = create_key(client, "prefill")
        assert _verify(client, other, _token(app, key_id), LOCKED).status_code == 403

    def test_a_form_limited_key_verifies_only_its_forms(self, app, client) -> None:
        # A key names registered forms only (`ct01` is in the catalog).
        key_id, secret = create_key(client, "prefill", forms=["ct01"])
        assert _verify(client, secret, _token(app, key_id), LOCKED).status_code == 403
        token = _token(app, key_id, form="ct01")
        assert _verify(client, secret, token, LOCKED, form="ct01").status_code == 200
