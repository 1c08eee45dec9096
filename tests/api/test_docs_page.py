"""/api/docs works on a network without internet: Swagger UI and its assets are served by the
app itself, and the page names no other host."""

from __future__ import annotations

import re


def test_swagger_ui_and_its_assets_come_from_the_app(api):
    page = api.http.get("/api/docs")
    assert page.status_code == 200 and "SwaggerUIBundle" in page.text
    assert not re.search(r"(src|href)=[\"']?https?://", page.text), "the page loads from elsewhere"
    assets = re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", page.text)
    assert {a.rsplit("/", 1)[-1] for a in assets} >= {
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
        "swagger-ui.css",
    }
    for asset in assets:
        r = api.http.get(asset)
        assert r.status_code == 200 and len(r.content) > 1000, asset
