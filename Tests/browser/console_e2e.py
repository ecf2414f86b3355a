#!/usr/bin/env python3
"""The staff console in headless chromium: a clerk signs in, follows up and acknowledges a welfare alert, suspends a
card, records a survival certification and prepares the close of last month; an approver signs in and approves it
with a one-time code (TOTP, computed here from the enrolled secret); the month shows closed. A screenshot of each page
is saved and checked (not blank, the expected text present). Run by scripts/browser-test, which seeds the database and
starts ledgerd."""
import argparse
import base64
import hashlib
import hmac
import struct
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

DEADLINE_SECONDS = 20


def wait_for_console(url):
    """The console answers within DEADLINE_SECONDS, or the test fails saying so."""
    end = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(url + "/login", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"the console at {url} did not answer within {DEADLINE_SECONDS} s")


def check_page(driver, artifacts, name, expected):
    """Saves a screenshot of the page and checks it: the expected texts present, the picture not blank."""
    body = driver.find_element(By.TAG_NAME, "body").text
    missing = [text for text in expected if text not in body]
    path = f"{artifacts}/{name}.png"
    driver.save_screenshot(path)
    png = driver.get_screenshot_as_png()
    if missing:
        sys.exit(f"{name}: {missing} not on the page ({driver.current_url}); screenshot {path}")
    # A blank page compresses to a few hundred bytes; one with text and tables to many kilobytes.
    if len(png) < 8000:
        sys.exit(f"{name}: the screenshot is {len(png)} bytes, a blank page; see {path}")
    print(f"ok: {name} ({len(png)} bytes) {path}")


def submit(driver, form):
    form.find_element(By.TAG_NAME, "button").click()
    WebDriverWait(driver, DEADLINE_SECONDS).until(expected_conditions.staleness_of(form))


def record_certification(driver, args):
    """The clerk records an in-person survival certification on the Certifications page, dated today (the form's
    default)."""
    driver.get(args.url + "/certifications")
    check_page(driver, args.artifacts, "14-certifications", ["生存认证", "已逾期", "登记认证", "设定首次认证日期"])
    form = driver.find_element(By.CSS_SELECTOR, "form[action='/certifications/record']")
    form.find_element(By.NAME, "card").send_keys("BRW000001")
    Select(form.find_element(By.NAME, "method")).select_by_value("in_person")
    form.find_element(By.NAME, "note").send_keys("本人到社区服务站认证")
    submit(driver, form)
    check_page(driver, args.artifacts, "15-certification-recorded", ["已登记认证", "生存认证"])


def totp(secret_base32, at=None):
    """The 6-digit code of RFC 6238 (30-second steps, HMAC-SHA1) for a base32 secret, as an authenticator app shows it."""
    key = base64.b32decode(secret_base32 + "=" * (-len(secret_base32) % 8))
    step = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def sign_in(driver, url, login, password):
    driver.delete_all_cookies()
    driver.get(url + "/login")
    driver.find_element(By.ID, "login").send_keys(login)
    driver.find_element(By.ID, "password").send_keys(password)
    submit(driver, driver.find_element(By.TAG_NAME, "main").find_element(By.TAG_NAME, "form"))


def main():
    parser = argparse.ArgumentParser()
    for option in ("--url", "--login", "--password", "--artifacts", "--chromium", "--chromedriver", "--approver",
                   "--approver-password", "--approver-totp-secret", "--month"):
        parser.add_argument(option, required=True)
    args = parser.parse_args()
    wait_for_console(args.url)

    options = webdriver.ChromeOptions()
    options.binary_location = args.chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1024,1366", "--lang=zh-CN"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(args.chromedriver), options=options)
    try:
        driver.set_page_load_timeout(DEADLINE_SECONDS)
        driver.get(args.url + "/login")
        check_page(driver, args.artifacts, "01-login", ["账号", "密码"])
        driver.find_element(By.ID, "login").send_keys(args.login)
        driver.find_element(By.ID, "password").send_keys(args.password)
        submit(driver, driver.find_element(By.TAG_NAME, "main").find_element(By.TAG_NAME, "form"))
        check_page(driver, args.artifacts, "02-today", ["今日", args.login])

        driver.get(args.url + "/alerts")
        check_page(driver, args.artifacts, "03-alerts", ["张老兵", "13800000001", "东城路1号"])
        form = driver.find_element(By.CSS_SELECTOR, "form[action$='/followups']")
        Select(form.find_element(By.NAME, "step")).select_by_value("called")
        form.find_element(By.NAME, "note").send_keys("电话联系本人，说身体不适")
        submit(driver, form)
        check_page(driver, args.artifacts, "04-alert-step", ["已记录跟进步骤", "电话联系本人，说身体不适", args.login])
        form = driver.find_element(By.CSS_SELECTOR, "form[action$='/acknowledge']")
        form.find_element(By.NAME, "note").send_keys("社区医生已上门，老人安好")
        submit(driver, form)
        check_page(driver, args.artifacts, "05-alert-acknowledged", ["预警已结案", "没有待处理的预警", "社区医生已上门，老人安好"])

        driver.get(args.url + "/cards?q=李军")
        check_page(driver, args.artifacts, "06-cards", ["BRW000002", "李军属"])
        driver.find_element(By.LINK_TEXT, "BRW000002").click()
        check_page(driver, args.artifacts, "07-card", ["BRW000002", "active", "暂停使用"])
        form = driver.find_element(By.CSS_SELECTOR, "form[action$='/status']")
        form.find_element(By.NAME, "reason").send_keys("住院两周")
        submit(driver, form)
        check_page(driver, args.artifacts, "08-card-suspended", ["优待证状态已更新", "suspended", "住院两周"])

        record_certification(driver, args)

        driver.get(args.url + "/standing-orders")
        check_page(driver, args.artifacts, "09-standing-orders", ["新增固定送餐"])
        driver.get(args.url + "/activity")
        check_page(driver, args.artifacts, "10-activity", ["welfare_followup", "welfare_acknowledged", "card_suspended",
                                                               "certification_recorded"])
        driver.get(args.url + "/activity?lang=en")
        check_page(driver, args.artifacts, "11-activity-english", ["Activity", "Sign out"])

        # The two-person close: the clerk prepares last month (the page's default), the approver approves with a code.
        driver.get(args.url + "/month?lang=zh")
        if driver.find_element(By.ID, "period").get_attribute("value") != args.month:
            sys.exit(f"16-month-open: the page's default month is not last month ({args.month})")
        check_page(driver, args.artifacts, "16-month-open", ["月度结算", "东城食堂", "未结账", "提交结账", "草稿"])
        submit(driver, driver.find_element(By.CSS_SELECTOR, "form[action='/month/prepare']"))
        check_page(driver, args.artifacts, "17-month-prepared", ["已提交结账申请", "待审核", args.login])
        if driver.find_elements(By.CSS_SELECTOR, "form[action='/month/approve']"):
            sys.exit("17-month-prepared: a clerk is shown the approve form")

        sign_in(driver, args.url, args.approver, args.approver_password)
        driver.get(args.url + "/month")
        check_page(driver, args.artifacts, "18-month-approver", ["待审核", "动态验证码", "审核通过并结账", "退回"])
        form = driver.find_element(By.CSS_SELECTOR, "form[action='/month/approve']")
        form.find_element(By.NAME, "code").send_keys(totp(args.approver_totp_secret))
        submit(driver, form)
        check_page(driver, args.artifacts, "19-month-closed", ["已审核通过", "已结账", args.login, args.approver])
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
