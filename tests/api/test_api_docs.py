"""The API's own documentation: bearer security in the OpenAPI document, and `/docs` and
`/redoc` pages whose assets the service serves itself."""

from __future__ import annotations

import re


def test_openapi_declares_bearer_security_for_the_whole_api(anonymous) -> None:
    document = anonymous.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearer"]["description"],
    }
    assert document["security"] == [{"bearer": []}]
    # Health answers without a key, and says so; a keyed route inherits the global rule.
    assert document["paths"]["/healthz"]["get"]["security"] == []
    assert "security" not in document["paths"]["/v1/citizens/{personal_id}"]["get"]


def test_docs_pages_load_their_assets_from_the_service(anonymous) -> None:
    for page, assets in (
        ("/docs", ("swagger-ui-bundle.js", "swagger-ui.css")),
        ("/redoc", ("redoc.standalone.js",)),
    ):
        r = anonymous.get(page)
        assert r.status_code == 200
        assert "default-src 'self'" in r.headers["content-security-policy"]
        urls = re.findall(r"""(?:src|href)=["']?([^"' >]+)""", r.text)
        assert urls and all(url.startswith("/") for url in urls), urls
        for name in assets:
            asset = anonymous.get(f"/docs-assets/{name}")
            assert asset.status_code == 200
            assert len(asset.content) > 100_000


def test_operations_with_a_body_document_413_and_415(anonymous) -> None:
    """The request guard's refusals are in the contract of every operation taking a body."""
    document = anonymous.get("/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            if "requestBody" in operation and path.startswith("/v1/"):
                assert {"413", "415"} <= responses.keys(), (method, path)
                schema = responses["415"]["content"]["application/problem+json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ProblemDetails"}
            elif method == "get":
                assert "413" not in responses and "415" not in responses, (method, path)
