"""What the docs build refuses: a page that would load anything from another host."""

from __future__ import annotations

from pathlib import Path

import pytest

from docs._scripts.offline import external_fetches, fetches


@pytest.mark.parametrize(
    "text",
    [
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">',
        '<link href="//cdn.example.com/x.css" rel="stylesheet">',
        '<script src="https://unpkg.com/mermaid@10/dist/mermaid.min.js"></script>',
        '<img src="https://example.com/social-card.png">',
        "@font-face { src: url(https://cdnjs.cloudflare.com/firacode.woff2) }",
        "@import 'https://example.com/more.css';",
        '<image href="https://example.com/x.png"/>',
    ],
)
def test_what_a_browser_would_fetch_elsewhere_is_found(text: str) -> None:
    assert fetches(text)


@pytest.mark.parametrize(
    "text",
    [
        '<a href="https://github.com/influxdata/influxdb/issues/20686">#20686</a>',
        '<link rel="stylesheet" href="../assets/stylesheets/main.css">',
        '<script src="assets/javascripts/bundle.js"></script>',
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">',
        '<img src="../assets/generated/demo.svg">',
    ],
)
def test_links_and_local_files_are_fine(text: str) -> None:
    assert fetches(text) == []


def test_a_site_is_read_page_by_page(tmp_path: Path) -> None:
    (tmp_path / "guides").mkdir()
    (tmp_path / "index.html").write_text('<a href="https://example.com">fine</a>')
    (tmp_path / "guides" / "page.html").write_text('<script src="https://cdn.test/x.js">')
    (tmp_path / "bundle.js").write_text('fetch("https://never.loaded.test")')
    found = external_fetches(tmp_path)
    assert len(found) == 1
    assert found[0].startswith("guides/page.html: <script src=")
