"""A citizen files a 12345 appeal on the web form, the city's labour bureau handler signs for
it and replies, and the citizen reads the reply and rates it."""
from conftest import click_and_wait, DEMO_PASSWORD, log_in_staff, screenshot

CITIZEN = "330106198503120116"  # 张伟, demo person
TITLE = "公司拖欠工资三个月"
TEXT = "我所在的公司拖欠工资三个月不发，老板拒绝支付，社保也没有缴纳，请劳动监察部门帮忙讨薪。"
REPLY = ("您反映的公司拖欠工资问题已收悉。经调查核实，该公司确有拖欠，我局已责令其在十日内足额支付工资"
         "并补缴社保，如未按期履行请您拨打12345反映。")


def log_in_person(driver, base, login):
    driver.get(base + "/login")
    driver.find_element("name", "login").send_keys(login)
    driver.find_element("name", "password").send_keys(DEMO_PASSWORD)
    click_and_wait(driver, driver.find_element("css selector", "#login-form button[type=submit]"))


def log_out(driver):
    click_and_wait(driver, driver.find_element("css selector", "header form button"))


def test_citizen_files_and_handler_replies(server, browser):
    log_in_person(browser, server, CITIZEN)
    browser.get(server + "/appeals")
    click_and_wait(browser, browser.find_element("id", "new-appeal"))
    form = browser.find_element("id", "appeal-form")
    form.find_element("name", "title").send_keys(TITLE)
    form.find_element("name", "text").send_keys(TEXT)
    form.find_element("name", "address").send_keys("文三路 90 号")
    screenshot(browser, "appeals-form")
    click_and_wait(browser, form.find_element("css selector", "button[type=submit]"))
    assert "/appeals/" in browser.current_url
    appeal_url = browser.current_url.split("?")[0]
    assert browser.find_element("id", "appeal-title").text == TITLE
    assert browser.find_element("id", "appeal-status").text == "已派单"
    assert "人力资源和社会保障局" in browser.find_element("id", "appeal-department").text
    screenshot(browser, "appeals-filed")
    log_out(browser)

    log_in_staff(browser, server, "handler-rsj")
    browser.get(server + "/appeals")
    click_and_wait(browser, browser.find_element("link text", TITLE))
    click_and_wait(browser, browser.find_element("css selector", "#accept-form button"))
    reply = browser.find_element("css selector", "#reply-form textarea[name=text]")
    reply.send_keys("已收悉。")
    click_and_wait(browser, browser.find_element("css selector", "#reply-form button"))
    assert "答复过于简短" in browser.find_element("tag name", "main").text
    screenshot(browser, "appeals-reply-check")
    reply = browser.find_element("css selector", "#reply-form textarea[name=text]")
    reply.clear()
    reply.send_keys(REPLY)
    click_and_wait(browser, browser.find_element("css selector", "#reply-form button"))
    assert browser.find_element("id", "appeal-status").text == "已答复"
    screenshot(browser, "appeals-handler-replied")
    log_out(browser)

    log_in_person(browser, server, CITIZEN)
    browser.get(appeal_url)
    assert "责令其在十日内足额支付工资" in browser.find_element("id", "appeal-reply").text
    browser.find_element("css selector", "#rate-form input[value=satisfied]").click()
    click_and_wait(browser, browser.find_element("css selector", "#rate-form button"))
    assert browser.find_element("id", "appeal-status").text == "已办结"
    screenshot(browser, "appeals-rated")
