"""Shop policies and FAQ (shipping, returns, payment, contact...), read from Markdown files the owner edits.

Why files: the owner changes a return window or a shipping price by editing one plain text file (no
admin screen needed, diffable, backed up with the project), and the assistant answers from the very
text customers can be shown, so it never has to invent a policy. Each `## heading` is one section;
a question is matched to sections by shared words, with a few synonyms ("refund" finds returns).
Files are re-read when they change on disk.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

from shop.core.text import tokenize

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "shipping": ("ship", "shipped", "delivery", "deliver", "delivered", "postage", "courier", "arrive", "track"),
    "returns": ("return", "refund", "refunds", "exchange", "money", "back", "damaged", "broken", "wrong"),
    "payment": ("pay", "paying", "card", "cards", "paypal", "invoice", "charged", "charge", "price", "currency"),
    "contact": ("email", "phone", "call", "human", "person", "hours", "address", "reach", "talk"),
    "privacy": ("data", "gdpr", "cookie", "cookies", "personal"),
    "orders": ("order", "cancel", "cancellation", "change", "modify"),
}
_STOP = {"the", "a", "an", "is", "are", "do", "does", "you", "your", "i", "my", "me", "can", "what", "how", "to", "of"}


@dataclass(frozen=True)
class PolicySection:
    topic: str
    """The file name without .md: shipping, returns, payment, contact..."""
    title: str
    text: str


class PolicyLibrary:
    """The policy files of one folder, parsed into sections and cached until a file changes."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._stamp: tuple[tuple[str, float], ...] = ()
        self._sections: list[PolicySection] = []

    def sections(self) -> list[PolicySection]:
        files = sorted(self.directory.glob("*.md")) if self.directory.is_dir() else []
        stamp = tuple((f.name, f.stat().st_mtime) for f in files)
        with self._lock:
            if stamp != self._stamp:
                self._sections = [s for f in files for s in _parse(f.stem, f.read_text(encoding="utf-8"))]
                self._stamp = stamp
            return self._sections

    def topics(self) -> list[str]:
        return sorted({s.topic for s in self.sections()})

    def find(self, question: str, limit: int = 2) -> list[PolicySection]:
        """The sections that best answer `question` (best first); [] when nothing matches."""
        ranked = sorted(self.scores(question).items(), key=lambda item: -item[1])  # stable: file order kept
        return [section for section, _ in ranked[:limit]]

    def scores(self, question: str) -> dict[PolicySection, float]:
        """How well each section answers `question`, in file order; sections nothing matches are left
        out. A topic word or synonym counts 3, a title word 2, a body word 0.5, and a file's first
        section (its general answer) 0.25 more."""
        raw = {w for w in tokenize(question) if w not in _STOP}
        words = {_stem(w) for w in raw}
        topics = {topic for topic, synonyms in _SYNONYMS.items() if (raw | words) & {topic, _stem(topic), *synonyms}}
        scored: dict[PolicySection, float] = {}
        previous_topic = None
        for section in self.sections():
            title_words = {_stem(w) for w in tokenize(section.title)}
            body_words = {_stem(w) for w in tokenize(section.text)}
            score = 3.0 * (section.topic in topics) + 2.0 * len(words & title_words)
            score += 0.5 * len(words & body_words)
            if section.topic != previous_topic:
                score += 0.25  # a file's first section is its general answer
            previous_topic = section.topic
            if score > 0.25:
                scored[section] = score
        return scored


def _stem(word: str) -> str:
    """Crude English stemming, enough for "returning"/"returned"/"returns" to meet "return"."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _parse(topic: str, markdown: str) -> list[PolicySection]:
    """Split a file into `## ` sections; text before the first one belongs to the file's `# ` title."""
    sections: list[PolicySection] = []
    title = topic.replace("-", " ").title()
    lines: list[str] = []

    def flush() -> None:
        text = re.sub(r"\s+", " ", " ".join(lines)).strip()
        if text:
            sections.append(PolicySection(topic, title, text))

    for raw in markdown.splitlines():
        line = raw.strip()
        if line.startswith("## "):
            flush()
            title, lines = line[3:].strip(), []
        elif line.startswith("# "):
            title = line[2:].strip()
        elif line:
            lines.append(line.lstrip("-* ").strip() if line.startswith(("- ", "* ")) else line)
    flush()
    return sections
