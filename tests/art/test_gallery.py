"""The gallery as people see it: opened in a real browser (Debian's chromium), every picture
loaded, nothing spilling off a laptop screen; screenshots to look at in build/screenshots/."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser

from happybot.art.gallery import SAMPLES, write_gallery
from happybot.art.shapes import SHAPES
from happybot.config import starter_campaign


def test_the_gallery_shows_every_picture_in_a_browser(
    browser: Browser, tmp_path: Path, screenshots: Path
) -> None:
    index = write_gallery(tmp_path / "gallery", starter_campaign())
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(index.as_uri())
    images = page.locator("img")
    assert images.count() == len(SHAPES) * (len(SAMPLES) + 1)
    page.screenshot(path=screenshots / "gallery-top.png")
    for i in range(images.count()):
        images.nth(i).scroll_into_view_if_needed()  # lazy pictures load when they come near
    # every picture arrived whole, at the size the page says it has
    assert page.evaluate(
        "Array.from(document.images)"
        ".every(i => i.complete && i.naturalWidth == Number(i.getAttribute('width')))"
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.locator("img[alt^='A dog drawn in coloured text']").count() == len(SAMPLES) + 1
    page.locator("#dog").evaluate("e => e.scrollIntoView()")
    page.screenshot(path=screenshots / "gallery-dog.png")
    page.locator("figure.landscape img").first.click()
    page.wait_for_url("**/*-1-landscape.png")
    page.screenshot(path=screenshots / "gallery-full-size.png")
    page.close()
