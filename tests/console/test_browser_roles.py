"""In Chromium, each role's main story: sign in, do the job, see the result; the database agrees.

Every page on the way is screenshotted (test-artefacts/console/) and checked with axe-core.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.complaints.models import Complaint, DeadlineExtension
from app.core.calendar import SHANGHAI
from app.core.models import AuditEntry
from tests.console.conftest import DEMO
from tests.console.harness import look, screenshot
from tests.console.test_pages import LAMP, LIGHT, LIGHT_AGAIN

pytestmark = pytest.mark.postgres


def test_the_agent_takes_a_call_with_a_suggested_category_and_sees_the_duplicate_nearby(
    page, live, browser_sign_in, report
):
    earlier = report(*LAMP)
    browser_sign_in(page, DEMO["agent"])
    page.locator("#main").get_by_role("link", name="接听来电").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("接听来电")
    look(page, "agent-1-take-call")

    page.get_by_label("来电号码").fill("13800000001")
    page.get_by_role("button", name="查找来电人").click()
    caller = page.locator("#caller")
    expect(caller).to_contain_text("李小明")
    expect(caller).to_contain_text("138****0001")
    expect(caller).to_contain_text(earlier.tracking_number)
    look(page, "agent-2-caller")

    page.get_by_label("诉求内容（按来电人的描述）").fill("小区东门的路灯坏了，晚上一片漆黑")
    suggestion = page.locator("#suggestions").get_by_role("button", name="路灯故障")
    expect(suggestion).to_be_visible()
    suggestion.click()
    expect(page.get_by_label("类别")).to_have_value("0202")
    expect(page.get_by_label("类别")).to_be_focused()
    page.get_by_label("地址").fill("南明区花果园街道花果园小区东门")
    page.get_by_label("纬度").fill("26.5562")
    page.get_by_label("经度").fill("106.6907")
    screenshot(page, "agent-3-filled")  # the same page as before, filled in: axe has seen it
    page.get_by_role("button", name="记录诉求").click()

    expect(page.get_by_role("status")).to_have_text("已记录来电。")
    duplicates = page.locator(".duplicates")
    expect(duplicates).to_contain_text(earlier.tracking_number)
    expect(page.locator("svg.map circle.point")).to_have_count(4)
    look(page, "agent-4-recorded")

    with live.database() as session:
        recorded = session.query(Complaint).filter(Complaint.channel == "hotline").one()
        assert recorded.reporter_id == earlier.reporter_id and recorded.category.code == "0202"
        assert recorded.duplicate_candidate_ids == [str(earlier.id)]
        looked_up = session.query(AuditEntry).filter_by(subject_person_id=earlier.reporter_id, action="list")
        assert looked_up.count() == 1
    expect(page.get_by_role("heading", level=1)).to_contain_text(recorded.tracking_number)


def test_the_dispatcher_merges_duplicates_seen_on_the_map_and_dispatches_the_original(
    page, live, browser_sign_in, report
):
    first = report(*LIGHT)
    second = report(*LIGHT_AGAIN)
    browser_sign_in(page, DEMO["dispatcher"])
    page.get_by_role("navigation", name="工作台栏目").get_by_role("link", name="派单队列").click()
    rows = page.locator("#main table tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#main table")).to_contain_text("待派单")
    look(page, "dispatcher-1-queue")

    page.get_by_role("link", name=second.tracking_number).click()
    expect(page.locator(".duplicates .card")).to_have_count(2)
    expect(page.locator(".duplicates")).to_contain_text(first.tracking_number)
    expect(page.locator("svg.map ellipse.district")).to_have_count(3)
    expect(page.locator("svg.map circle.point")).to_have_count(4)
    look(page, "dispatcher-2-duplicates")

    page.get_by_role("radio", name=re.compile(first.tracking_number)).check()
    page.get_by_label("理由", exact=True).first.fill("同一路口的同一组信号灯")
    page.get_by_role("button", name="合并").click()
    expect(page.get_by_role("status")).to_have_text("重复工单已并入本工单。")
    expect(page.get_by_role("heading", level=1)).to_contain_text(first.tracking_number)

    page.get_by_label("主办部门").first.select_option("city-traffic-police")
    page.get_by_label("给承办部门的备注").fill("路口信号灯不亮，请尽快处理")
    page.get_by_role("button", name="派单", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("工单已派出。")
    expect(page.locator("dl.facts")).to_contain_text("市公安局交通管理局")
    look(page, "dispatcher-3-dispatched")

    with live.database() as session:
        merged, original = session.get(Complaint, second.id), session.get(Complaint, first.id)
        assert merged.status == "merged" and merged.merged_into_id == first.id
        assert [e.internal_note for e in merged.events if e.kind == "merged"] == ["同一路口的同一组信号灯"]
        assert original.status == "dispatched" and original.lead_department_id is not None
    page.get_by_role("link", name="派单队列").first.click()
    expect(page.locator("#main")).to_contain_text("没有待派工单。")


def test_the_handler_accepts_asks_for_more_time_and_answers_on_the_clock(page, live, browser_sign_in, report):
    lamp = report(*LAMP)
    browser_sign_in(page, DEMO["handler"])
    page.get_by_role("navigation", name="工作台栏目").get_by_role("link", name="本部门工单").click()
    new = page.locator("section", has=page.get_by_role("heading", name=re.compile("待签收")))
    expect(new).to_contain_text(lamp.tracking_number)
    expect(new.locator("time.clock .clock-left")).to_contain_text(re.compile(r"剩余 (\d+天 )?\d\d:\d\d:\d\d"))
    look(page, "handler-1-work")

    page.get_by_role("link", name=lamp.tracking_number).click()
    accept = page.get_by_role("button", name="签收")
    accept.focus()
    page.keyboard.press("Enter")  # with the keyboard alone
    expect(page.get_by_role("status")).to_have_text("您已签收该工单。")

    with live.database() as session:
        due = session.get(Complaint, lamp.id).feedback_due
    later = (due + timedelta(days=3)).astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("新的答复时限（北京时间）").fill(later)
    page.get_by_label("需要延期的理由").fill("需更换整条线路的电缆")
    page.get_by_role("button", name="申请延期").click()
    expect(page.get_by_role("status")).to_have_text("延期申请已提交督办。")
    look(page, "handler-2-accepted")

    page.get_by_label("答复诉求人").fill("路灯线路已更换，今晚起恢复照明。")
    page.get_by_role("button", name="发送答复").click()
    expect(page.get_by_role("status")).to_have_text("答复已发送给诉求人。")
    expect(page.locator("dl.facts")).to_contain_text("已答复")
    look(page, "handler-3-answered")

    with live.database() as session:
        answered = session.get(Complaint, lamp.id)
        assert answered.status == "resolved" and answered.reply == "路灯线路已更换，今晚起恢复照明。"
        extension = session.query(DeadlineExtension).filter_by(complaint_id=lamp.id).one()
        assert extension.status == "pending" and extension.reason == "需更换整条线路的电缆"
