"""A citizen searches the catalog from the home page, narrows by a facet and opens the
printable service guide."""
from conftest import click_and_wait, screenshot


def test_search_from_home_and_open_guide(server, browser):
    browser.get(server + "/")
    form = browser.find_element("id", "home-search")
    form.find_element("name", "q").send_keys("营业执照")
    click_and_wait(browser, form.find_element("css selector", "button[type=submit]"))
    assert "/services?q=" in browser.current_url
    first = browser.find_element("css selector", "#results .result-title")
    assert "设立登记" in first.text
    screenshot(browser, "catalog-search")

    first.click()
    assert "/services/" in browser.current_url
    guide = browser.find_element("id", "guide")
    assert browser.find_element("id", "guide-name").text.endswith("设立登记")
    for heading in ("设定依据", "受理条件", "申请材料", "办理流程", "办理地点与时间", "版本记录"):
        assert heading in guide.text
    screenshot(browser, "catalog-guide")


def test_short_queries_and_life_event_browsing(server, browser):
    browser.get(server + "/services?q=社保")
    assert "社会保障卡" in browser.find_element("id", "results").text
    browser.get(server + "/services")
    click_and_wait(browser, browser.find_element("link text", "出生"))
    results = browser.find_element("id", "results").text
    assert "出生医学证明" in results
    click_and_wait(browser, browser.find_element("partial link text", "出生医学证明"))
    assert "零跑动" in browser.page_source
    assert browser.find_element("id", "apply-online").get_attribute("href").endswith("/apply/330000-QR-0017")
