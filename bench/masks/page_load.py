"""Time the where-to-buy page until every outlet marker is clustered (headless Debian Chromium)."""

from __future__ import annotations

import shutil
import sys
import time


def main() -> None:
    base = sys.argv[1]
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("page load: skipped (chromium not installed)")
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--headless=new", "--no-sandbox", "--disable-gpu"])
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        outside: list[str] = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
        for attempt in ("cold", "warm"):
            start = time.perf_counter()
            page.goto(base + "/masks/")
            page.wait_for_selector("body[data-masks-loaded]", timeout=180_000)
            markers = page.get_attribute("body", "data-masks-loaded")
            print(f"page load ({attempt}): {markers} markers clustered in {time.perf_counter() - start:.1f} s")
        print(f"requests outside the server: {len(outside)}")
        browser.close()


if __name__ == "__main__":
    main()
