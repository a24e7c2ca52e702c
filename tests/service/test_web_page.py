"""The try-it page in a real headless Chromium: choose an image, see text, confidences and version."""
from tests.lines import KNOWN_TEXTS, direct_reading, rendered_line

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def test_upload_shows_text_per_character_confidence_and_version(service_v2, browser, tmp_path):
    image_path = tmp_path / "line.png"
    image_path.write_bytes(rendered_line(KNOWN_TEXTS[0]))
    browser.get(f"{service_v2.url}/")
    browser.find_element(By.ID, "file").send_keys(str(image_path))
    WebDriverWait(browser, 20).until(lambda driver: "version" in driver.find_element(By.ID, "meta").text)
    expected = direct_reading("v2", image_path.read_bytes())
    assert browser.find_element(By.ID, "text").text == (expected or "(no text found)")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#chars .char")) == len(expected)
    meta = browser.find_element(By.ID, "meta").text
    assert "version v2" in meta and " ms" in meta
    browser.save_screenshot(str(tmp_path / "page.png"))


def test_a_bad_upload_shows_the_error(service_v2, browser, tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not really a png")
    browser.get(f"{service_v2.url}/")
    browser.find_element(By.ID, "file").send_keys(str(bad))
    WebDriverWait(browser, 20).until(lambda driver: "not_an_image" in driver.find_element(By.ID, "text").text)
