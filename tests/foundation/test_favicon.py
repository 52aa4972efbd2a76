"""Every page names a favicon served from our own static files (no CDN)."""

import re
import xml.etree.ElementTree as ET

from django.contrib.staticfiles import finders


def test_it_links_the_favicon_from_every_page(client):
    html = client.get("/accounts/login/").content.decode()
    link = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)
    assert link and link.group(1) == "/static/favicon.svg"


def test_it_ships_a_small_valid_svg():
    path = finders.find("favicon.svg")
    assert path, "static/favicon.svg is missing"
    root = ET.parse(path).getroot()  # noqa: S314 (our own file)
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox") == "0 0 32 32"
    assert len(open(path, "rb").read()) < 2048
