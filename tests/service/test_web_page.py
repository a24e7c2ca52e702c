"""The try-it page in a real headless Chromium: choose an image, see text, confidences and version."""
from tests.lines import KNOWN_TEXTS, direct_page_reading, direct_reading, rendered_line, rendered_page

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


def test_a_page_shows_every_box_drawn_on_the_image_and_each_line_beside_it(service_v2, browser, tmp_path):
    page, _ = rendered_page()
    image_path = tmp_path / "page.png"
    image_path.write_bytes(page)
    browser.set_window_size(1400, 900)
    browser.get(f"{service_v2.url}/")
    browser.find_element(By.ID, "file").send_keys(str(image_path))
    WebDriverWait(browser, 20).until(lambda driver: "version" in driver.find_element(By.ID, "meta").text)
    expected = direct_page_reading("v2", page)
    items = browser.find_elements(By.CSS_SELECTOR, "#lines li .line-text")
    assert [item.text for item in items] == [line.text or "(unreadable)" for line in expected.lines]
    # The overlay holds ink only where the boxes are: count coloured pixels per box outline row.
    inked_rows = browser.execute_script("""
        const canvas = document.getElementById('boxes');
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        const rows = new Set();
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) rows.add(Math.floor((i - 3) / 4 / canvas.width));
        return rows.size;""")
    assert inked_rows >= 2 * len(expected.lines)  # at least a top and a bottom edge per box
    assert "page · 3 line(s)" in browser.find_element(By.ID, "meta").text
    browser.save_screenshot(str(tmp_path / "page-screenshot.png"))


def test_a_bad_upload_shows_the_error(service_v2, browser, tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not really a png")
    browser.get(f"{service_v2.url}/")
    browser.find_element(By.ID, "file").send_keys(str(bad))
    WebDriverWait(browser, 20).until(lambda driver: "not_an_image" in driver.find_element(By.ID, "text").text)
