"""The dashboard in a real headless Chromium, next to a live stack and a rollout."""
import threading
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from canary import dashboard
from canary.rollout import DEFAULT_CONFIG, RolloutConfig, Runner
from tests.processes import free_port
from tests.stack import LoopingClient


def test_the_dashboard_shows_split_live_figures_rollout_and_history(stack, browser, tmp_path):
    sampler = dashboard.Sampler(stack.backend, stack.store, interval_s=0.5)
    sampler.start()
    port = free_port()
    server = make_server("127.0.0.1", port, dashboard.create_app(stack.backend, stack.store, sampler), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    clients = [LoopingClient(stack.url) for _ in range(2)]
    try:
        for client in clients:
            client.start()
        config = RolloutConfig.load(DEFAULT_CONFIG, steps=[30, 100], step_seconds=2, check_seconds=0.2,
                                    min_requests=60)
        progress = Runner(stack.backend, stack.store, config, out=lambda line: None).start("v2")
        assert progress.status == "promoted"
        time.sleep(1.5)  # samples after the promotion
        browser.get(f"http://127.0.0.1:{port}/")
        wait = WebDriverWait(browser, 20)
        wait.until(lambda driver: "stable v2 100%" in driver.find_element(By.ID, "split").text)
        wait.until(lambda driver: "promoted" in driver.find_element(By.ID, "rollout-status").text)
        rows = browser.find_elements(By.CSS_SELECTOR, "#decisions tbody tr")
        assert [row.find_elements(By.TAG_NAME, "td")[2].text for row in rows if "pass" in row.text][-2:] == \
            ["pass", "pass"]
        for chart in ("chart-rate", "chart-latency", "chart-mean_confidence"):
            lines = browser.find_elements(By.CSS_SELECTOR, f"#{chart} polyline")
            assert {line.get_attribute("data-version") for line in lines} == {"v1", "v2"}, chart
            assert all(len(line.get_attribute("points").split()) >= 2 for line in lines)
        history = browser.find_element(By.ID, "history").text
        assert "promote" in history and "canary" in history
        assert "req/s" in browser.find_element(By.ID, "legend").text
        browser.save_screenshot(str(tmp_path / "dashboard.png"))
    finally:
        for client in clients:
            client.finish()
        server.shutdown()
        sampler.stop()
