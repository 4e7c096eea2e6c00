"""The browser the page tests drive: Debian's headless Chromium over WebDriver (selenium)."""
import os

import pytest

from reviewsite import CHROMEDRIVER, CHROMIUM, require_binary


@pytest.fixture
def browser():
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing.append("selenium (pip)")
    if missing:
        pytest.fail(f"no browser test possible here (missing: {', '.join(missing)}): scripts/ensure-deps --browser; pip install selenium")
    require_binary()
    os.environ["SE_AVOID_STATS"] = "true"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()
