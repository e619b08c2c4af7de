"""The official SDK's customers.create against the dashboard's customer routes: it sends the
API key and the dashboard token together, and the key chooses the environment."""
import pytest
from pacspace_sdk import PacSpace
from pacspace_sdk.errors import PacSpaceError

from conftest import call


def test_customers_create_through_the_sdk(server, account):
    pac = PacSpace(account["key"], base_url=server.base, max_retries=0)
    options = {"dashboardToken": account["jwt"]}
    created = pac.customers.create(display_name="Initech", customer_id="sdk-initech", unit_label="seats",
                                   sharing_state_hint="private", event_cadence="monthly", options=options)
    assert created["customerId"] == "sdk-initech" and created["displayName"] == "Initech" and created["unitLabel"] == "seats"
    generated = pac.customers.create(display_name="No id given", options=options)
    assert generated["customerId"].startswith("cust_")
    with pytest.raises(PacSpaceError) as refused:
        pac.customers.create(display_name="Again", customer_id="sdk-initech", options=options)
    assert refused.value.status_code == 409
    # The customer is the Balance API's too, before its first delta.
    listed = pac.balance.customers({"search": "initech"})["customers"]
    assert [c["customerId"] for c in listed] == ["sdk-initech"] and listed[0]["totalDeltas"] == 0
    status, page = call(server.base, "GET", "/dashboard/customers?search=Initech", token=account["jwt"])
    assert status == 200 and page["data"]["total"] == 1, page
