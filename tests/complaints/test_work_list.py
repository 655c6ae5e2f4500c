"""A department's work list: what it leads and what it assists on, newest first, page by page."""

from tests.statements import Statements


def _dispatched(client, auth, staff, complaint, department, assisting=()):
    seen = client.get(f"/api/v1/staff/complaints/{complaint['id']}", headers=auth(staff["dispatcher"]))
    response = client.post(
        f"/api/v1/staff/complaints/{complaint['id']}/dispatch",
        json={
            "version": seen.get_json()["version"],
            "department_code": department,
            "assisting_codes": list(assisting),
        },
        headers=auth(staff["dispatcher"]),
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _pages(client, headers, path: str) -> list[list[str]]:
    pages, cursor = [], ""
    while True:
        body = client.get(f"{path}{'&' if '?' in path else '?'}limit=1&cursor={cursor}", headers=headers)
        assert body.status_code == 200, body.get_json()
        pages.append([item["id"] for item in body.get_json()["items"]])
        cursor = body.get_json()["next_cursor"]
        if cursor is None:
            return pages


def test_a_handler_pages_through_what_their_department_leads_and_assists(
    client, auth, city, staff, resident, report
):
    led = report(resident)  # routed to urban management
    assisted = _dispatched(
        client, auth, staff, report(resident, category="99", description="河边有人倾倒建筑垃圾"),
        "city-ecology-environment", assisting=("city-urban-management",),
    )  # fmt: skip
    elsewhere = _dispatched(
        client, auth, staff, report(resident, category="99", description="工地夜间施工噪音扰民"),
        "city-ecology-environment",
    )  # fmt: skip

    handler = auth(staff["handler"])
    assert _pages(client, handler, "/api/v1/staff/complaints") == [[assisted["id"]], [led["id"]]]
    assert _pages(client, handler, "/api/v1/staff/complaints?status=dispatched") == [
        [assisted["id"]],
        [led["id"]],
    ]
    assert _pages(client, handler, "/api/v1/staff/complaints?status=resolved") == [[]]
    ecology = auth(staff["env_handler"])
    assert _pages(client, ecology, "/api/v1/staff/complaints") == [[elsewhere["id"]], [assisted["id"]]]


def test_a_handlers_page_is_the_same_statements_for_one_item_as_for_many(
    client, auth, city, staff, resident, report
):
    for description in ("东门路灯坏了", "西门路灯坏了", "北门路灯坏了"):
        report(resident, description=description)
    handler = auth(staff["handler"])
    counts = []
    for limit in (1, 50):
        path = f"/api/v1/staff/complaints?limit={limit}"
        client.get(path, headers=handler)  # warm: the token's key, reference data
        with Statements() as seen:
            response = client.get(path, headers=handler)
        assert response.status_code == 200, response.get_json()
        counts.append((seen.count, len(response.get_json()["items"])))
    (one, first), (many, all_of_them) = counts
    assert first == 1 and all_of_them == 3
    assert many == one
