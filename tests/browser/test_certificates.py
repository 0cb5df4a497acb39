"""A demo person opens their certificate wallet, prints a certificate with its seal and QR
code, and the verification page is opened from the QR code's link, as a phone would."""
from conftest import click_and_wait, DEMO_PASSWORD, screenshot

ZHANG_WEI = "330106198503120116"


def log_in_person(driver, base, login):
    driver.get(base + "/login")
    driver.find_element("name", "login").send_keys(login)
    driver.find_element("name", "password").send_keys(DEMO_PASSWORD)
    click_and_wait(driver, driver.find_element("css selector", "#login-form button[type=submit]"))


def test_verification_page_opens_from_the_qr_link(server, browser):
    log_in_person(browser, server, ZHANG_WEI)
    browser.get(server + "/certificates")
    wallet = browser.find_element("id", "wallet")
    assert "食品经营许可证" in wallet.text and "居民身份证电子证照" in wallet.text
    screenshot(browser, "certificates-wallet")

    click_and_wait(browser, browser.find_element("link text", "食品经营许可证"))
    assert browser.find_element("id", "certificate-number").text
    click_and_wait(browser, browser.find_element("id", "print-link"))
    assert browser.find_element("css selector", "#certificate-qr svg.qr")
    assert browser.find_element("css selector", ".seal-box svg.seal")
    screenshot(browser, "certificates-print")
    link = browser.find_element("id", "qr-link").get_attribute("href")
    assert "/verify/" in link and "p=TBC1." in link

    # A verifier scanning the code is not signed in.
    browser.delete_all_cookies()
    browser.get(link)
    verdict = browser.find_element("id", "verdict")
    assert "有效" in verdict.text
    page = browser.find_element("id", "verification").text
    assert "西湖张记小吃店" in page
    assert ZHANG_WEI not in page
    screenshot(browser, "certificates-verify")
