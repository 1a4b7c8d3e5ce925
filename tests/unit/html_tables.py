"""Reading back an HTML page with the stdlib parser: its tables by id, and every tag it holds."""
from __future__ import annotations

from html.parser import HTMLParser


class Page(HTMLParser):
    """tables: id -> {"head": [...], "body": [[cell text]], "foot": [[cell text]]}; tags: (tag, attrs);
    texts: each element's text by id."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, dict] = {}
        self.tags: list[tuple[str, dict]] = []
        self.texts: dict[str, str] = {}
        self._table = self._section = self._row = self._cell = None
        self._open_ids: list[tuple[str, str, list]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if "id" in attrs:
            self._open_ids.append((tag, attrs["id"], []))
        if tag == "table":
            self._table = self.tables.setdefault(attrs.get("id", f"table-{len(self.tables)}"),
                                                 {"head": [], "body": [], "foot": []})
        elif tag in ("thead", "tbody", "tfoot") and self._table is not None:
            self._section = {"thead": "head", "tbody": "body", "tfoot": "foot"}[tag]
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if self._open_ids and self._open_ids[-1][0] == tag:
            _, ident, parts = self._open_ids.pop()
            self.texts[ident] = "".join(parts).strip()
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table[self._section or "body"].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = self._section = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        for _, _, parts in self._open_ids:
            parts.append(data)
