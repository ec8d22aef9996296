import json
import logging

from core.logging import JsonFormatter, request_id_var


def test_json_log_lines_carry_the_request_id():
    token = request_id_var.set("req-42")
    try:
        record = logging.getLogRecordFactory()(
            "platform", logging.INFO, __file__, 1, "brand %s activated", ("hanji-living",), None
        )
    finally:
        request_id_var.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "brand hanji-living activated"
    assert line["request_id"] == "req-42"
    assert line["level"] == "INFO"


def test_the_request_id_of_a_request_reaches_its_log_lines(client, db, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/api/v1/auth/me/", HTTP_X_REQUEST_ID="trace-7")
    assert response.status_code == 401
    assert any(getattr(record, "request_id", None) == "trace-7" for record in caplog.records)
