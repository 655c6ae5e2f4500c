"""An Open311 GeoReport v2 client's view of the 12345 hotline."""

import xml.etree.ElementTree as ET  # noqa: N817

REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


def test_discovery_lists_both_formats(client, city):
    body = client.get("/open311/v2/discovery.json").get_json()
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(endpoint["formats"]) == {"application/json", "text/xml"}
    assert endpoint["url"].endswith("/open311/v2/")


def test_services_are_the_leaf_categories_in_json_and_xml(client, city):
    services = client.get("/open311/v2/services.json", headers={"Accept-Language": "en"}).get_json()
    by_code = {s["service_code"]: s for s in services}
    assert by_code["0101"]["service_name"] == "Noise nuisance"
    assert by_code["0101"]["group"] == "Environment"
    assert "01" not in by_code and by_code["0101"]["metadata"] is False
    xml = ET.fromstring(client.get("/open311/v2/services.xml").data)
    assert xml.tag == "services"
    assert {s.findtext("service_code") for s in xml.findall("service")} == set(by_code)
    definition = client.get("/open311/v2/services/0101.json").get_json()
    assert definition == {"service_code": "0101", "attributes": []}


def test_requests_hide_private_details_of_other_channels(client, city, resident, report):
    mine = report(resident)
    listed = client.get("/open311/v2/requests.json").get_json()
    assert [r["service_request_id"] for r in listed] == [mine["id"]]
    entry = listed[0]
    assert set(entry) == REQUEST_FIELDS
    assert entry["status"] == "open" and entry["service_code"] == "0202"
    assert entry["description"] is None and entry["lat"] is None  # reported in the app: private
    assert entry["address"] == "花果园街道"
    assert entry["agency_responsible"] == "市城市管理局"
    assert resident.phone not in str(listed)
    one = client.get(f"/open311/v2/requests/{mine['id']}.xml")
    root = ET.fromstring(one.data)
    assert root.tag == "service_requests" and root.find("request/status").text == "open"


def test_filters_and_errors_in_georeport_format(client, city, resident, report):
    report(resident)
    assert client.get("/open311/v2/requests.json?status=closed").get_json() == []
    assert client.get("/open311/v2/requests.json?service_code=0101").get_json() == []
    bad = client.get("/open311/v2/requests.json?status=pending")
    assert bad.status_code == 400
    assert bad.get_json()[0]["code"] == 400
    missing = client.get("/open311/v2/requests/not-an-id.xml")
    assert missing.status_code == 404
    assert ET.fromstring(missing.data).find("error/code").text == "404"
    unknown = client.get("/open311/v2/services/7777.json")
    assert unknown.status_code == 404 and unknown.get_json()[0]["description"]


def _open311_key(db):
    from app.identity import clients

    _client, api_key = clients.register_client("open311", "街道网格平台")
    db.session.commit()
    return api_key


def test_post_with_api_key_enters_the_12345_flow(client, city, db):
    api_key = _open311_key(db)
    form = {
        "api_key": api_key,
        "service_code": "0202",
        "lat": "26.5561",
        "long": "106.6906",
        "address_string": "花果园小区东门",
        "description": "路灯不亮，晚上很危险",
        "phone": "13912345678",
        "attribute[WHISPER]": "ignored",
    }
    created = client.post("/open311/v2/requests.json", data=form)
    assert created.status_code == 201, created.get_data(as_text=True)
    request_id = created.get_json()[0]["service_request_id"]
    assert created.get_json()[0]["service_notice"].startswith("12345-")
    public = client.get(f"/open311/v2/requests/{request_id}.json").get_json()[0]
    assert public["description"] == "路灯不亮，晚上很危险"  # filed through Open311: public
    assert public["agency_responsible"] == "市城市管理局"
    assert "13912345678" not in str(public)


def test_post_refusals_in_georeport_format(client, city, db):
    api_key = _open311_key(db)
    base = {"service_code": "0202", "lat": "26.55", "long": "106.69", "description": "路灯不亮很危险"}
    assert client.post("/open311/v2/requests.json", data={**base, "api_key": "wrong"}).status_code == 403
    no_place = {"api_key": api_key, "service_code": "0202", "description": "路灯不亮很危险"}
    refused = client.post("/open311/v2/requests.xml", data=no_place)
    assert refused.status_code == 400
    assert ET.fromstring(refused.data).find("error/description").text
    unknown = client.post(
        "/open311/v2/requests.json", data={**base, "api_key": api_key, "service_code": "7777"}
    )
    assert unknown.status_code == 400
    assert isinstance(unknown.get_json(), list)


def test_an_unknown_service_request_id_is_404_whatever_its_shape(client, city):
    for request_id in ("not-an-id", "01a23128-48a5-7e3b-9cb4-524816fe5824", "12345-20261201-BBDA41BD"):
        for fmt in ("json", "xml"):
            answer = client.get(f"/open311/v2/requests/{request_id}.{fmt}", headers={"Accept-Language": "en"})
            assert answer.status_code == 404, (request_id, fmt)
    assert answer.status_code == 404
    assert ET.fromstring(answer.data).find("error/description").text == "Unknown service_request_id."


def test_error_descriptions_are_plain_sentences_naming_georeport_fields(client, city, db):
    api_key = _open311_key(db)
    base = {"api_key": api_key, "lat": "26.55", "long": "106.69", "description": "路灯不亮很危险"}
    english = {"Accept-Language": "en"}
    unknown = client.post("/open311/v2/requests.json", data={**base, "service_code": "7777"}, headers=english)
    assert unknown.status_code == 400
    description = unknown.get_json()[0]["description"]
    assert "service_code" in description and "7777" in description and "category" not in description

    short = client.post(
        "/open311/v2/requests.xml", data={**base, "service_code": "0202", "description": "x"}, headers=english
    )
    assert short.status_code == 400
    text = ET.fromstring(short.data).find("error/description").text
    assert "description:" in text
    assert not any(mark in text for mark in '{}[]"')  # no JSON-encoded dict inside the sentence


def test_a_date_without_time_zone_is_explained_in_every_language(client, city):
    expected = {
        "zh-CN": "日期时间无效：请带上时区偏移，例如 2026-12-01T09:30:00+08:00。",
        "zh-TW": "日期時間無效：請帶上時區偏移，例如 2026-12-01T09:30:00+08:00。",
        "en": "Not a valid datetime: give a time zone offset, e.g. 2026-12-01T09:30:00+08:00.",
    }
    for language, message in expected.items():
        answer = client.get(
            "/open311/v2/requests.json?start_date=2026-11-01T00:00:00", headers={"Accept-Language": language}
        )
        assert answer.status_code == 400
        assert answer.get_json()[0]["description"].endswith(f"start_date: {message}"), answer.get_json()
