import pytest


@pytest.mark.django_db
def test_healthz_reports_db_and_redis_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["db"] == "ok"
    assert response.json()["redis"] == "ok"
