"""A person registers, lands on the account page, logs out and logs in again; staff log in
with their TOTP step and an administrator reaches staff administration and the audit log."""
from conftest import click_and_wait, log_in_staff, screenshot


def test_person_registers_logs_in_and_sees_account(server, browser):
    browser.get(server + "/")
    assert "一网通办" in browser.title
    click_and_wait(browser, browser.find_element("link text", "个人注册"))
    form = browser.find_element("id", "register-form")
    form.find_element("name", "name").send_keys("刘洋")
    form.find_element("name", "idNumber").send_keys("330106197506300134")
    form.find_element("name", "mobile").send_keys("13600000021")
    form.find_element("name", "password").send_keys("Xihu#2026-long-pass")
    click_and_wait(browser, form.find_element("css selector", "button[type=submit]"))
    assert browser.current_url.endswith("/account")
    assert browser.find_element("id", "account-name").text == "刘洋"
    assert "330106********0134" in browser.page_source
    screenshot(browser, "identity-account")

    click_and_wait(browser, browser.find_element("css selector", "header form button"))
    browser.get(server + "/login")
    browser.find_element("name", "login").send_keys("13600000021")
    browser.find_element("name", "password").send_keys("Xihu#2026-long-pass")
    click_and_wait(browser, browser.find_element("css selector", "#login-form button[type=submit]"))
    assert browser.current_url.endswith("/account"), browser.find_element("tag name", "main").text


def test_registration_errors_are_shown_in_chinese(server, browser):
    browser.get(server + "/register")
    form = browser.find_element("id", "register-form")
    form.find_element("name", "name").send_keys("某人")
    form.find_element("name", "idNumber").send_keys("330106197506300135")
    form.find_element("name", "mobile").send_keys("13600000022")
    form.find_element("name", "password").send_keys("Xihu#2026-long-pass")
    click_and_wait(browser, form.find_element("css selector", "button[type=submit]"))
    alert = browser.find_element("css selector", "main")
    assert "校验" in alert.text
    screenshot(browser, "identity-register-error")


def test_staff_log_in_with_totp_and_read_audit(server, browser):
    log_in_staff(browser, server, "admin")
    assert browser.current_url.endswith("/account")
    browser.get(server + "/admin/staff")
    assert "工作人员管理" in browser.page_source
    browser.get(server + "/audit")
    assert "审计日志" in browser.page_source
    # Who acted is named, not given as an account id.
    actors = [cell.text for cell in browser.find_elements("css selector", "tbody tr td:nth-child(3)")]
    assert "系统管理员（admin）" in actors
    browser.get(server + "/no-such-page")
    assert "系统管理员" in browser.find_element("css selector", "header").text, "error pages show who is signed in"
    assert "退出" in browser.find_element("css selector", "header").text
    browser.get(server + "/audit")
    click_and_wait(browser, browser.find_element("link text", "校验哈希链"))
    assert "完整" in browser.find_element("id", "chain-status").text
    screenshot(browser, "identity-audit")
