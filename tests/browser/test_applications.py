"""A citizen applies online for the food-business licence (joint review), uploads materials,
submits and tracks the case; the clerk finds it in the work queue, claims it, asks for one
material again (补正), and accepts it once the citizen has replaced that one."""
import pathlib
import tempfile

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

from conftest import DEMO_PASSWORD, assert_fits_width, log_in_staff, screenshot

PERSON_ID = "330106198503120116"  # demo person 张伟
MATERIALS = ["食品经营许可申请书", "食品安全管理制度", "与食品经营相适应的主要设备设施布局、操作流程等文件", "食品安全管理人员健康证明"]


def log_in_person(driver, base):
    driver.get(base + "/login")
    driver.find_element("name", "login").send_keys(PERSON_ID)
    driver.find_element("name", "password").send_keys(DEMO_PASSWORD)
    click_and_wait(driver, driver.find_element("css selector", "#login-form button[type=submit]"))
    WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("/account"))


def click_and_wait(driver, button):
    """Clicks a submit button and waits for the next page to finish loading, so no element
    of the old page is used (the old window object carries a marker the new one lacks)."""
    driver.execute_script("window.__leaving = true")
    button.click()
    WebDriverWait(driver, 10, ignored_exceptions=[WebDriverException]).until(
        lambda d: d.execute_script("return window.__leaving === undefined && document.readyState === 'complete'"))


def pdf_file():
    path = pathlib.Path(tempfile.mkdtemp()) / "material.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n")
    return str(path)


def test_citizen_applies_and_tracks_then_clerk_accepts(server, browser):
    log_in_person(browser, server)
    # From the provincial guide, whose 在线办理 names no division: the case goes where 张伟 belongs (属地办理).
    browser.get(server + "/services/330000-XK-0009")
    click_and_wait(browser, browser.find_element("id", "apply-online"))
    assert browser.find_element("id", "filing-division").text == "330106 西湖区"
    form = browser.find_element("id", "apply-form")
    assert form.find_element("name", "_division").get_attribute("value") == ""
    # Registered data is prefilled and read-only (免填); government-held materials are not asked for.
    assert form.find_element("name", "principalName").get_attribute("value") == "张伟"
    assert form.find_element("name", "contactMobile").get_attribute("type") == "tel", "a phone offers its dial pad"
    assert "营业执照" in browser.find_element("css selector", ".notice-box").text
    form.find_element("name", "operatorName").send_keys("西湖小吃店")
    form.find_element("css selector", "select[name=operatorType] option[value=individual]").click()
    form.find_element("name", "premisesDivision").send_keys("330106")
    form.find_element("name", "premisesAddress").send_keys("杭州市西湖区文三路 1 号")
    form.find_element("css selector", "select[name=businessScope] option[value=restaurant]").click()
    form.find_element("name", "floorArea").send_keys("0x2D")
    # A refused form comes back with the reason and what was typed, and leaves no draft behind.
    click_and_wait(browser, form.find_element("css selector", "button[type=submit]"))
    assert "十进制数字" in browser.find_element("css selector", ".alert").text
    form = browser.find_element("id", "apply-form")
    assert form.find_element("name", "operatorName").get_attribute("value") == "西湖小吃店"
    area = form.find_element("name", "floorArea")
    assert area.get_attribute("value") == "0x2D"
    area.clear()
    area.send_keys("45")
    screenshot(browser, "applications-apply-form")
    click_and_wait(browser, form.find_element("css selector", "button[type=submit]"))
    assert "/applications/" in browser.current_url
    case_url = browser.current_url

    # A refused edit shows the reason and keeps what was typed.
    edit = browser.find_element("id", "form-edit")
    area = edit.find_element("name", "floorArea")
    area.clear()
    area.send_keys("4５平方米")
    click_and_wait(browser, edit.find_element("css selector", "button[type=submit]"))
    assert "十进制数字" in browser.find_element("css selector", ".alert").text
    area = browser.find_element("css selector", "#form-edit [name=floorArea]")
    assert area.get_attribute("value") == "4５平方米"
    area.clear()
    area.send_keys("45")
    click_and_wait(browser, browser.find_element("css selector", "#form-edit button[type=submit]"))
    assert browser.current_url == case_url

    # Submitting too early lists every missing material at once.
    click_and_wait(browser, browser.find_element("css selector", "#submit-form button"))
    alert = browser.find_element("css selector", ".alert").text
    for name in MATERIALS:
        assert name in alert
    screenshot(browser, "applications-missing-materials")

    sample = pdf_file()
    for name in MATERIALS:
        upload = browser.find_element("id", "upload-form")
        upload.find_element("css selector", f"select[name=material] option[value='{name}']").click()
        upload.find_element("name", "file").send_keys(sample)
        click_and_wait(browser, upload.find_element("css selector", "button[type=submit]"))
        assert browser.current_url == case_url, browser.find_element("tag name", "main").text
    click_and_wait(browser, browser.find_element("css selector", "#submit-form button"))
    receipt = browser.find_element("id", "receipt-number").text
    assert receipt.startswith("330106") and len(receipt) == 20
    assert "已提交" in browser.find_element("id", "status").text
    assert "提交申请" in browser.find_element("id", "timeline").text
    screenshot(browser, "applications-case-submitted")
    assert_fits_width(browser)

    browser.get(server + "/applications")
    mine = browser.find_element("id", "my-applications")
    assert receipt in mine.text
    assert len(mine.find_elements("css selector", "tbody tr")) == 1, "the refused attempt left no draft"
    assert "申请已提交" in browser.find_element("id", "notices").text
    screenshot(browser, "applications-mine")
    assert_fits_width(browser)

    browser.delete_all_cookies()
    log_in_staff(browser, server, "clerk")
    WebDriverWait(browser, 10).until(lambda d: d.current_url.endswith("/account"))
    browser.get(server + "/work")
    queue = browser.find_element("id", "queue")
    assert receipt in queue.text
    assert "受理" in queue.text  # the task, in Chinese
    # The filters of the API, as a form: the unclaimed intake tasks, then the case's own item.
    filters = browser.find_element("id", "queue-filters")
    filters.find_element("css selector", "select[name=claim] option[value=unclaimed]").click()
    filters.find_element("name", "itemCode").send_keys("330000-XK-0009")
    click_and_wait(browser, filters.find_element("css selector", "button[type=submit]"))
    assert "claim=unclaimed" in browser.current_url and "itemCode=330000-XK-0009" in browser.current_url
    queue = browser.find_element("id", "queue")
    assert receipt in queue.text
    screenshot(browser, "applications-clerk-queue")
    assert_fits_width(browser)
    click_and_wait(browser, queue.find_element("css selector", "button[type=submit]"))
    assert browser.current_url == case_url
    # First a one-time supplement notice naming one material.
    action = browser.find_element("id", "action-form")
    action.find_element("css selector", "select[name=action] option[value=requestSupplement]").click()
    action.find_element("css selector", f"input[name='supplement:{MATERIALS[3]}']").click()
    action.find_element("name", "comment").send_keys("健康证明已过期")
    click_and_wait(browser, action.find_element("css selector", "button[type=submit]"))
    assert "待补正" in browser.find_element("id", "status").text

    # The citizen is told which material and offered that one alone, to upload and to remove:
    # the others were reviewed as they stand and the server would refuse them.
    browser.delete_all_cookies()
    log_in_person(browser, server)
    browser.get(case_url)
    assert MATERIALS[3] in browser.find_element("id", "supplement-notice").text
    upload = browser.find_element("id", "upload-form")
    offered = [o.get_attribute("value") for o in upload.find_elements("css selector", "select[name=material] option")]
    assert offered == [MATERIALS[3]], offered
    removals = browser.find_elements("css selector", ".files form.inline")
    assert len(removals) == 1 and MATERIALS[3] in removals[0].find_element("xpath", "..").text
    screenshot(browser, "applications-supplement")
    upload.find_element("name", "file").send_keys(sample)
    click_and_wait(browser, upload.find_element("css selector", "button[type=submit]"))
    assert browser.current_url == case_url, browser.find_element("tag name", "main").text
    click_and_wait(browser, browser.find_element("css selector", "#submit-form button"))
    assert "已提交" in browser.find_element("id", "status").text
    assert not browser.find_elements("id", "upload-form") and not browser.find_elements("css selector", ".files form.inline")

    browser.delete_all_cookies()
    log_in_staff(browser, server, "clerk")
    WebDriverWait(browser, 10).until(lambda d: d.current_url.endswith("/account"))
    browser.get(case_url)
    action = browser.find_element("id", "action-form")
    action.find_element("css selector", "select[name=action] option[value=accept]").click()
    click_and_wait(browser, action.find_element("css selector", "button[type=submit]"))
    assert "办理中" in browser.find_element("id", "status").text
    assert "联合审查" in browser.find_element("id", "timeline").text
    screenshot(browser, "applications-clerk-accepted")
    assert_fits_width(browser)

    browser.delete_all_cookies()
    log_in_person(browser, server)
    browser.get(case_url)
    assert "受理" in browser.find_element("id", "timeline").text
    screenshot(browser, "applications-citizen-tracks")

    # The supervisor's list of late cases: reached from the menu, none late yet.
    browser.delete_all_cookies()
    log_in_staff(browser, server, "supervisor")
    WebDriverWait(browser, 10).until(lambda d: d.current_url.endswith("/account"))
    click_and_wait(browser, browser.find_element("link text", "超期督办"))
    assert browser.find_element("id", "late-counts").text.startswith("黄牌 0 · 红牌 0")
    screenshot(browser, "applications-supervision")
