"""/metrics: Prometheus text without a login, requests by route template and status, failed logins."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.review.conftest import login


def scrape(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def requests(samples, **labels: str) -> float:
    key = ("review_requests_total", tuple(sorted(labels.items())))
    return samples.get(key, 0.0)


def test_metrics_count_requests_by_route_template_and_failed_logins(app, client, seeded):
    assert client.get(f"/conversations/{seeded.order}").status_code == 303  # the login gate
    assert login(client, password="wrong password").status_code == 401
    assert login(client).status_code == 303
    for cid in (seeded.order, seeded.password):
        assert client.get(f"/conversations/{cid}").status_code == 200
    assert client.get("/no/such/page").status_code == 404
    samples = scrape(client)

    page = "/conversations/{conversation_id}"
    assert requests(samples, method="GET", route=page, status="200") == 2  # one template, two ids
    assert requests(samples, method="GET", route=page, status="303") == 1
    assert requests(samples, method="POST", route="/login", status="401") == 1
    assert requests(samples, method="POST", route="/login", status="303") == 1
    assert requests(samples, method="GET", route="unmatched", status="404") == 1  # no route, no path
    assert not any(dict(labels).get("route", "").startswith("/conversations/1") for _, labels in samples)
    assert samples[("review_login_failures_total", (("reason", "password"),))] == 1
    latency = (
        "review_request_duration_seconds_count",
        (("method", "GET"), ("route", page), ("status", "200")),
    )
    assert samples[latency] == 2

    # Each app counts for itself: a second app over the same database starts at zero.
    from fastapi.testclient import TestClient

    from supportbot.review.app import create_app

    with TestClient(create_app(app.state.ctx)) as other:
        assert requests(scrape(other), method="GET", route=page, status="200") == 0
