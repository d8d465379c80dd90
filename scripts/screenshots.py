"""Screenshot pages of a running Jiceng at phone (390 px) and desktop (1366 px) widths.

    python scripts/screenshots.py http://127.0.0.1:8000 cunyi / /children/ ...
Writes var/screenshots/<user>-<page>-<width>.png. Uses Debian's Chromium (never downloads one).
"""

from __future__ import annotations

import pathlib
import re
import sys

from playwright.sync_api import sync_playwright

PASSWORD = "Jiceng@2026demo"


def main() -> None:
    base, username, *paths = sys.argv[1:]
    out = pathlib.Path("var/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for width in (390, 1366):
            context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
            page = context.new_page()
            page.goto(base + "/login/")
            if username != "-":
                page.fill("input[name=username]", username)
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
            for path in paths or ["/"]:
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
                name = re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_") or "home"
                overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
                file = out / f"{username}-{name}-{width}.png"
                page.screenshot(path=str(file), full_page=True)
                print(file, "OVERFLOW" if overflow else "")
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
