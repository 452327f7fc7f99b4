"""Atom feeds (RFC 4287) of what a monitor saw, for the overseers' feed readers.

Written with the standard library's ElementTree: a feed has ``id``, ``title``, ``updated`` and an
``author`` (RFC 4287 §4.1.1: required unless every entry has one); each entry has ``id``,
``title``, ``updated``, a ``category`` (``entry`` or ``alert``) and its text as ``content``.
The file is replaced atomically so a reader never sees half a feed.
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
    """One feed entry: a stable id (a URN), a title, when (RFC 3339 UTC), its kind and its text."""

    id: str
    title: str
    updated: str
    category: str  # "entry" or "alert"
    content: str

    def to_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "title": self.title,
            "updated": self.updated,
            "category": self.category,
            "content": self.content,
        }

    @classmethod
    def from_json(cls, document: dict[str, str]) -> FeedItem:
        return cls(document["id"], document["title"], document["updated"], document["category"], document["content"])


def format_atom(feed_id: str, title: str, items: Sequence[FeedItem], updated: str) -> bytes:
    """The Atom document of ``items`` (newest first), UTF-8 with an XML declaration."""
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
    author = element(feed, "author")
    element(author, "name", "integritas monitor")
    element(feed, "generator", "integritas monitor")
    for item in items:
        entry = element(feed, "entry")
        element(entry, "id", item.id)
        element(entry, "title", item.title)
        element(entry, "updated", item.updated)
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
