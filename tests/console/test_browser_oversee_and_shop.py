"""In Chromium: the supervisor tries a routing rule on today's complaints and saves it, then reads the
three rates; the merchant accepts today's paid order, makes it ready and reads the settlement by day."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.commerce import services as commerce
from app.commerce.models import Order, OrderStatus
from app.complaints.models import RoutingRuleRecord
from app.core.calendar import business_date
from app.identity import services as identity
from tests.commerce import helpers
from tests.console.conftest import DEMO
from tests.console.harness import look

pytestmark = pytest.mark.postgres

MERCHANT = "+8613800000008"
LAMP = ("0202", "花果园小区门口路灯坏了，晚上一片漆黑", "南明区花果园街道花果园小区东门", 26.5561, 106.6906)


def test_the_supervisor_tries_a_rule_saves_it_and_reads_the_rates(page, live, browser_sign_in, report):
    lamp = report(*LAMP)
    today = business_date().isoformat()
    browser_sign_in(page, DEMO["supervisor"], start="/console/oversee/")
    expect(page.get_by_role("heading", level=1)).to_have_text("逾期与督办")
    look(page, "supervisor-overdue")

    page.get_by_role("navigation", name="工作台栏目").get_by_role("link", name="派单规则").click()
    page.get_by_label("规则名称").fill("路灯归供电局")
    page.get_by_label(re.compile("^类别编码")).fill("0202")
    page.get_by_label("主办部门").select_option("city-power")
    page.get_by_label(re.compile("^优先级")).fill("20")
    page.get_by_label("从").fill(today)
    page.get_by_label("到").fill(today)
    page.get_by_role("button", name="用这些诉求试一试").click()
    result = page.get_by_role("region", name=re.compile("会怎样分派"))
    expect(result).to_contain_text("市供电局")
    expect(result).to_contain_text(lamp.tracking_number)
    look(page, "supervisor-rules-dry-run")
    with live.database() as session:
        assert session.query(RoutingRuleRecord).filter_by(name="路灯归供电局").count() == 0, (
            "a try saves nothing"
        )

    page.get_by_role("button", name="保存规则").click()
    expect(page.locator(".notice")).to_contain_text("规则已保存")
    with live.database() as session:
        assert session.query(RoutingRuleRecord).filter_by(name="路灯归供电局").one().priority == 20

    page.get_by_role("navigation", name="工作台栏目").get_by_role("link", name="三率").click()
    page.get_by_label("从").fill(today)
    page.get_by_label("到").fill(today)
    page.get_by_label("分组").select_option("week")
    page.get_by_role("button", name="显示").click()
    expect(page.get_by_role("img", name=re.compile("解决率"))).to_be_visible()
    expect(page.get_by_role("link", name="下载 CSV")).to_have_attribute("href", re.compile("group_by=week"))
    look(page, "supervisor-rates-by-week")


def test_the_merchant_accepts_readies_and_reads_the_settlement(page, live, browser_sign_in, console_city):
    owner = identity.person_by_phone(MERCHANT)
    shop = commerce.my_merchants(helpers.person_actor(owner), cursor=None, limit=10).items
    store = next(s for s in shop if s.name == "社区便民超市")
    items = commerce.merchant_listings(helpers.person_actor(owner), store.id, cursor=None, limit=50).items
    item = next(
        e for e in items if e.active and "pickup" in e.fulfilment and (e.stock is None or e.stock > 0)
    )
    order = helpers.paid_order(identity.person_by_phone(DEMO["resident"]), item)

    browser_sign_in(page, MERCHANT, start="/console/shop/")
    page.get_by_role("link", name="社区便民超市").click()
    waiting = page.get_by_role("region", name=re.compile("已付款，等您接单"))
    expect(waiting).to_contain_text(order.title)
    look(page, "merchant-orders-to-accept")
    waiting.get_by_role("button", name="接单").first.click()
    expect(page.locator(".notice")).to_contain_text("已接单")
    page.get_by_role("region", name=re.compile("已接单，备货中")).get_by_role(
        "button", name="备好待取"
    ).first.click()
    expect(page.locator(".notice")).to_contain_text("已备好")
    with live.database() as session:
        assert session.get(Order, order.id).status == OrderStatus.READY

    page.get_by_role("navigation", name="本店").get_by_role("link", name="按日结算").click()
    expect(page.get_by_role("table")).to_contain_text(business_date().isoformat())
    look(page, "merchant-settlement-by-day")
    page.get_by_role("navigation", name="本店").get_by_role("link", name="商品").click()
    expect(page.get_by_role("table")).to_contain_text(item.title)
    look(page, "merchant-listings")
