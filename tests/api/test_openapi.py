"""The OpenAPI document describes the native API."""

from __future__ import annotations

from tests.factories import People, api_client


def test_the_openapi_document_loads_and_lists_the_item_paths(people: People) -> None:
    response = api_client(people.anna).get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    document = response.json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    assert set(paths["/api/v1/types/{type_slug}/items"]) >= {"get", "post"}
    assert set(paths["/api/v1/types/{type_slug}/items/{item_id}"]) >= {"get", "patch", "delete"}
    assert "post" in paths["/api/v1/types/{type_slug}/items/{item_id}/move"]
    assert "post" in paths["/api/v1/types/lead/items/{item_id}/convert"]
    assert {"/api/v1/types", "/api/v1/types/{type_slug}/fields", "/api/v1/types/{type_slug}/pipelines"} <= set(paths)
    assert "requestBody" in paths["/api/v1/types/{type_slug}/items"]["post"]
