"""Shop policies and FAQ (shipping, returns, payment, contact...), read from Markdown files the owner edits.

Why files: the owner changes a return window or a shipping price by editing one plain text file (no
admin screen needed, diffable, backed up with the project), and the assistant answers from the very
text customers can be shown, so it never has to invent a policy. Each `## heading` is one section;
a question is matched to sections by shared words, with a few synonyms ("refund" finds returns), and
by meaning when the shop's embedding model is loaded. Files are re-read when they change on disk.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from shop.core.text import tokenize

if TYPE_CHECKING:
    from vectorstore.embeddings import LocalSentenceEmbedding

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "shipping": ("ship", "shipped", "delivery", "deliver", "delivered", "postage", "courier", "arrive", "track"),
    "returns": ("return", "refund", "refunds", "exchange", "money", "back", "damaged", "broken", "wrong"),
    "payment": ("pay", "paying", "card", "cards", "paypal", "invoice", "charged", "charge", "price", "currency"),
    "contact": ("email", "phone", "call", "human", "person", "hours", "address", "reach", "talk"),
    "privacy": ("data", "gdpr", "cookie", "cookies", "personal"),
    "orders": ("order", "cancel", "cancellation", "change", "modify"),
}
MEANING_WEIGHT = 12.0
"""A cosine of 0.5 (a close section) weighs as much as a topic word and a title word together (8 to 14
ranked the 40 questions of tests/shop/conversations/test_policies.py alike)."""
CLOSE_IN_MEANING = 0.35
"""A section no word of the question names is a candidate from this cosine on; unrelated messages
("write me a poem", "what's the weather like") stay below 0.1 with every section, small talk ("hello,
how are you?") below 0.25, a paraphrase of a section lies above 0.4."""
PARAPHRASE = 0.4
"""The cosine from which a question restates a section ("how do I contact you" 0.47, "is my data safe"
0.42); a question about a product's reviews or taste stays below 0.35 with every section."""
POINTER_SHARE = 0.5
"""A section that only points to other policy files ("return windows ... are described in our shipping,
returns and payment policies") is close to every question about them and answers none: it scores half,
so the file it points to answers first ("what is the return window" had ranked the terms' pointer first)."""
_STOP = {"the", "a", "an", "is", "are", "do", "does", "you", "your", "i", "my", "me", "can", "what", "how", "to", "of"}


@dataclass(frozen=True)
class PolicySection:
    topic: str
    """The file name without .md: shipping, returns, payment, contact..."""
    title: str
    text: str


class PolicyLibrary:
    """The policy files of one folder, parsed into sections and cached until a file changes.

    With `embedding` (the shop's sentence model, when semantic search is on) a section also scores by
    the cosine similarity of its text to the question, times MEANING_WEIGHT. Why: words alone ranked
    the wrong section first for 14 of the 40 questions of tests/shop/conversations/test_policies.py
    ("will the money go back on my card" found how to pay, "my package arrived broken" the return
    window); words and meaning rank 35 of 40 first (the 5 left: tracking and privacy asked in words
    close to delivery or data sharing, cash on delivery, a smashed jar). Meaning alone ranked 32: the
    terms' pointer section ("Delivery, returns and payment") is close to every question and answers
    none, and the topic words keep a question on its own file."""

    def __init__(self, directory: Path, embedding: LocalSentenceEmbedding | None = None) -> None:
        self.directory = directory
        self.embedding = embedding
        self._lock = threading.Lock()
        self._stamp: tuple[tuple[str, float], ...] = ()
        self._sections: list[PolicySection] = []
        self._pointers: set[PolicySection] = set()
        self._vectors: tuple[list[PolicySection], np.ndarray] | None = None

    def sections(self) -> list[PolicySection]:
        files = sorted(self.directory.glob("*.md")) if self.directory.is_dir() else []
        stamp = tuple((f.name, f.stat().st_mtime) for f in files)
        with self._lock:
            if stamp != self._stamp:
                self._sections = [s for f in files for s in _parse(f.stem, f.read_text(encoding="utf-8"))]
                self._pointers = _pointers(self._sections)
                self._stamp = stamp
            return self._sections

    def topics(self) -> list[str]:
        return sorted({s.topic for s in self.sections()})

    def find(self, question: str, limit: int = 2) -> list[PolicySection]:
        """The sections that best answer `question` (best first); [] when nothing matches."""
        ranked = sorted(self.scores(question).items(), key=lambda item: -item[1])  # stable: file order kept
        return [section for section, _ in ranked[:limit]]

    def scores(self, question: str, *, by_meaning: bool = True) -> dict[PolicySection, float]:
        """How well each section answers `question`, in file order; sections that share no word with
        it and are not close in meaning are left out. A topic word or synonym counts 3, a title word
        2, a body word 0.5, a file's first section (its general answer) 0.25 more, and the similarity
        in meaning MEANING_WEIGHT times its cosine. `by_meaning=False` for text the English sentence
        model cannot read (a question in another language: its similarities are noise)."""
        words = {stem(w) for w in tokenize(question) if w not in _STOP}
        topics = self._topics_named(question)
        meaning = self._similarities(question) if by_meaning else {}
        scored: dict[PolicySection, float] = {}
        previous_topic = None
        for section in self.sections():
            title_words = {stem(w) for w in tokenize(section.title)}
            body_words = {stem(w) for w in tokenize(section.text)}
            score = 3.0 * (section.topic in topics) + 2.0 * len(words & title_words)
            score += 0.5 * len(words & body_words)
            if section.topic != previous_topic:
                score += 0.25  # a file's first section is its general answer
            previous_topic = section.topic
            similarity = meaning.get(section, 0.0)
            if score > 0.25 or similarity >= CLOSE_IN_MEANING:
                score += MEANING_WEIGHT * similarity
                scored[section] = score * POINTER_SHARE if section in self._pointers else score
        return scored

    def names_a_rule(self, question: str) -> bool:
        """Whether `question` (English) asks about some section: it names a topic (a file's name or one
        of its synonyms: "return", "delivery", "refund") or paraphrases a section (cosine of at least
        PARAPHRASE). Words a question shares with a title or a body are not enough: "wat do ppl say
        about <coffee>" shares "about" with a body and was answered with how to reach the shop."""
        if self._topics_named(question, [*self.topics(), *_SYNONYMS]):
            return True
        return any(similarity >= PARAPHRASE for similarity in self._similarities(question).values())

    def _topics_named(self, question: str, among: Iterable[str] = _SYNONYMS) -> set[str]:
        """The topics whose name or synonyms the question has."""
        raw = {w for w in tokenize(question) if w not in _STOP}
        words = raw | {stem(w) for w in raw}
        return {topic for topic in among if words & {topic, stem(topic), *_SYNONYMS.get(topic, ())}}

    def _similarities(self, question: str) -> dict[PolicySection, float]:
        """Cosine similarity of `question` to each section's "topic: title. text"; {} without a model."""
        if self.embedding is None or not question.strip():
            return {}
        sections = self.sections()
        with self._lock:
            if self._vectors is None or self._vectors[0] is not sections:
                texts = [f"{s.topic}: {s.title}. {s.text}" for s in sections]
                self._vectors = (sections, self.embedding.encode(texts) if texts else np.zeros((0, 0)))
            vectors = self._vectors[1]
        if not sections:
            return {}
        similarities = vectors @ self.embedding.encode_query(question)
        return {section: float(value) for section, value in zip(sections, similarities, strict=True)}


def stem(word: str) -> str:
    """Crude English stemming, enough for "returning"/"returned"/"returns" to meet "return", and
    "shipping"/"shipped" to meet "ship" (a doubled consonant before -ing/-ed is undoubled: "shipp"
    had never met the title "Where we ship and how long it takes")."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            base = word[: -len(suffix)]
            if suffix in ("ing", "ed") and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]
            return base
    return word


def _pointers(sections: list[PolicySection]) -> set[PolicySection]:
    """The sections that name another policy file's topic in the same sentence as "policy"/"policies"."""
    topics = {s.topic for s in sections}
    pointers = set()
    for section in sections:
        others = "|".join(re.escape(t) for t in sorted(topics - {section.topic}))
        if others and any(
            re.search(rf"\b({others})\b", sentence, re.IGNORECASE) and re.search(r"\bpolic(y|ies)\b", sentence, re.I)
            for sentence in re.split(r"(?<=[.!?])\s+", section.text)
        ):
            pointers.add(section)
    return pointers


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
