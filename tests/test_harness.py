"""The test fixtures themselves: what they share and what they leave alone."""


def test_the_client_fixture_leaves_app_test_client_plain(app, client):
    assert type(client).__name__ == "IsolatedClient"
    assert type(app.test_client()) is not type(client)  # threads and other apps build plain clients
