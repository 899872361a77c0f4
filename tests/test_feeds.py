"""RSS 2.0 and Atom feeds as articles: one per entry, with its title, date, link and text."""

from pathlib import Path

from index.embedded.store import Store
from index.embedding.embed import Embedder
from index.ingest.readers import read_file
from index.sync import sync_folder, update_paths

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Le Courrier du Port</title><link>https://courrier.example</link>
<item><title>Le port de Marseille bat un record</title>
  <link>https://courrier.example/2025/06/record.html</link>
  <pubDate>Thu, 12 Jun 2025 08:00:00 +0200</pubDate>
  <description>&lt;p&gt;Un record au port.&lt;/p&gt;</description></item>
<item><title>La mairie ouvre une bibliothèque</title>
  <link>https://courrier.example/2025/06/biblio</link>
  <pubDate>Fri, 13 Jun 2025 09:00:00 +0200</pubDate>
  <content:encoded><![CDATA[<p>La mairie a inauguré vendredi une bibliothèque de quatre
  étages dans le quartier du Panier.</p><p>Elle compte <b>quarante mille</b> livres et ouvre
  tous les jours de la semaine.</p>]]></content:encoded></item>
</channel></rss>
"""
PAGE = """<html><head><title>Record</title></head><body><article><h1>Record</h1>
<p>Le port de Marseille a traité 80 millions de tonnes de marchandises en 2024, un record
depuis sa création selon la direction du port.</p>
<p>Les conteneurs ont progressé de douze pour cent sur un an, portés par les lignes vers
l'Asie et l'Afrique du Nord.</p></article></body></html>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Harbour News</title>
<entry><title>Ferry strike ends after two weeks</title><id>urn:uuid:ferry-strike</id>
  <link href="https://harbour.example/ferry-strike"/><updated>2024-11-03T10:00:00Z</updated>
  <summary>The ferry crews returned to work on Sunday after the company agreed to hire
  forty more sailors.</summary></entry>
</feed>"""


def test_rss_entries_are_articles_with_the_linked_page_when_saved(tmp_path: Path) -> None:
    (tmp_path / ".pages").mkdir()
    (tmp_path / ".pages" / "record.html").write_text(PAGE)
    (tmp_path / "port.rss").write_text(RSS)
    result = read_file(tmp_path / "port.rss")
    assert result.problems == []
    record, library = result.articles
    assert (record.title, record.date, record.source) == (
        "Le port de Marseille bat un record",
        "2025-06-12",
        "courrier.example",
    )
    assert record.url == "https://courrier.example/2025/06/record.html"
    assert "80 millions de tonnes" in record.text  # the saved page, not the teaser
    assert library.text == (
        "La mairie a inauguré vendredi une bibliothèque de quatre étages dans le quartier "
        "du Panier.\n\nElle compte quarante mille livres et ouvre tous les jours de la semaine."
    )
    assert library.date == "2025-06-13" and library.language == "fr"


def test_atom_entries_and_xml_that_is_no_feed(tmp_path: Path) -> None:
    (tmp_path / "harbour.xml").write_text(ATOM)
    (tmp_path / "sitemap.xml").write_text('<?xml version="1.0"?><urlset><url/></urlset>')
    [ferry] = read_file(tmp_path / "harbour.xml").articles
    assert (ferry.title, ferry.date, ferry.url) == (
        "Ferry strike ends after two weeks",
        "2024-11-03",
        "https://harbour.example/ferry-strike",
    )
    assert ferry.language == "en" and "forty more sailors" in ferry.text
    [problem] = read_file(tmp_path / "sitemap.xml").problems
    assert problem.reason == "XML file that is not an RSS or Atom feed"


def test_a_page_outside_the_feeds_folder_is_never_read(tmp_path: Path) -> None:
    inside = tmp_path / "feeds"
    inside.mkdir()
    (tmp_path / "record.html").write_text(PAGE)
    (inside / "port.rss").write_text(
        RSS.replace("https://courrier.example/2025/06/record.html", "../record.html")
    )
    record = read_file(inside / "port.rss").articles[0]
    assert record.text == "Un record au port." and record.url is None


def test_a_synced_feed_gives_its_entries_and_drops_the_ones_it_loses(
    tmp_path: Path, embedder: Embedder
) -> None:
    folder, index = tmp_path / "articles", tmp_path / "index"
    (folder / ".pages").mkdir(parents=True)
    (folder / ".pages" / "record.html").write_text(PAGE)
    feed = folder / "port.rss"
    feed.write_text(RSS)
    report = sync_folder(index, folder, embedder)
    assert len(report.added) == 2 and report.problems == []  # the page is read once
    first, rest = RSS.split("<item>", 2)[0], RSS.split("</item>", 1)[1]
    feed.write_text(first + rest.lstrip())  # the feed no longer holds its first entry
    report = update_paths(index, folder, [feed], [], embedder)
    assert len(report.removed) == 1 and len(report.unchanged) == 1
    titles = [a["title"] for a in Store.open(index).list_articles()]
    assert titles == ["La mairie ouvre une bibliothèque"]
