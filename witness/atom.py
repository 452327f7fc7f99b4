"""Atom feeds (RFC 4287) for the overseers' feed readers: what a monitor saw, and the server's feeds of
oversight questions and units (api.web.pages.feeds); one writer for both.

Written with the standard library's ElementTree: a feed has ``id``, ``title``, ``updated``, an
``author`` (RFC 4287 §4.1.1: required unless every entry has one) and its links (``self``, RFC 4287
§4.1.1 "SHOULD"; ``alternate``, the page it follows); each entry has ``id``, ``title``, ``updated``,
a ``category`` and its text as ``content``, and a ``link`` to the record page it is about when it
has one. The monitor's file is replaced atomically so a reader never sees half a feed.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ATOM_NAMESPACE", "FeedItem", "format_atom", "write_atom"]

ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True)
class FeedItem:
    """One feed entry: a stable id (a URN or tag URI), a title, when (RFC 3339), its kind, its text and
    the page it is about (the entry's `alternate` link), if any."""

    id: str
    title: str
    updated: str
    category: str  # the monitor's "entry" or "alert"; the server's feeds name the event
    content: str
    link: str | None = None

    def to_json(self) -> dict[str, str]:
        document = {
            "id": self.id,
            "title": self.title,
            "updated": self.updated,
            "category": self.category,
            "content": self.content,
        }
        if self.link is not None:
            document["link"] = self.link
        return document

    @classmethod
    def from_json(cls, document: dict[str, str]) -> FeedItem:
        return cls(
            document["id"],
            document["title"],
            document["updated"],
            document["category"],
            document["content"],
            document.get("link"),
        )


def format_atom(
    feed_id: str,
    title: str,
    items: Sequence[FeedItem],
    updated: str,
    *,
    author: str = "integritas monitor",
    links: Sequence[tuple[str, str]] = (),
) -> bytes:
    """The Atom document of ``items`` (newest first), UTF-8 with an XML declaration; ``links`` are the
    feed's (rel, href) links."""
    ET.register_namespace("", ATOM_NAMESPACE)

    def element(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
        child = ET.SubElement(parent, f"{{{ATOM_NAMESPACE}}}{name}", attributes)
        if text is not None:
            child.text = text
        return child

    feed = ET.Element(f"{{{ATOM_NAMESPACE}}}feed")
    element(feed, "id", feed_id)
    element(feed, "title", title)
    element(feed, "updated", updated)
    for rel, href in links:
        element(feed, "link", rel=rel, href=href)
    person = element(feed, "author")
    element(person, "name", author)
    element(feed, "generator", author)
    for item in items:
        entry = element(feed, "entry")
        element(entry, "id", item.id)
        element(entry, "title", item.title)
        element(entry, "updated", item.updated)
        if item.link is not None:
            element(entry, "link", rel="alternate", href=item.link)
        element(entry, "category", term=item.category)
        element(entry, "content", item.content, type="text")
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document


def write_atom(path: Path, document: bytes) -> None:
    """Replace ``path`` with ``document``: temporary file, fsync, rename."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("wb") as handle:
        handle.write(document)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
