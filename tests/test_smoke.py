def test_healthz_answers_ok_with_every_dependency_up(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}
    assert response["X-Request-ID"]
