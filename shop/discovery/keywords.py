"""Typo-tolerant keyword scoring over one catalog snapshot.

Why keyword scoring stays in Python: SecantusDB has no text index (error 67), and the catalog is an
in-memory snapshot anyway, so an inverted index over the snapshot answers in about a millisecond on
either database. (On real MongoDB a $text index would work, but it would also give a second,
differently-behaving code path; not worth it at catalog sizes of a few thousand products.)
"""

from __future__ import annotations

import bisect
import threading
from collections import Counter
from collections.abc import Iterable, Sequence

from shop.catalog.snapshot import Product
from shop.core.text import tokenize

_STOPWORD_TEXT = """
a an the and or of to for with without in on at by from into is are be it its this that these those
i me my we our you your some something anything any want wanted need needs looking look show find
get give please would like could can will just really very good nice great help helps which what who
one ones thing things kind sort type bit
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
"""Words that carry no product meaning for keyword matching (the semantic side still sees them)."""

PREFIX_FACTOR = 0.7  # a prefix match counts 70 % of a whole-word match
PLURAL_FACTOR = 0.9
FUZZY_FACTORS = {1: 0.6, 2: 0.45}
_FUZZY_MAX = max(FUZZY_FACTORS.values())  # below PREFIX_FACTOR: a factor this low means "typo"


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a transposition is one edit), or limit + 1 when above it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        row_min = current[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            row_min = min(row_min, value)
        if row_min > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[len(b)] if previous[len(b)] <= limit else limit + 1


def _trigrams(word: str) -> set[str]:
    padded = f"^{word}$"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def _max_typos(word: str) -> int:
    """Typos allowed in a query word: none below five letters (too many real words lie one edit
    apart: "mint"/"mine"), one up to eight, two from nine ("yrgachefe")."""
    if len(word) < 5 or word.isdigit():
        return 0
    return 1 if len(word) <= 8 else 2


def _same(old: Product | None, new: Product) -> bool:
    # Identity first (the cheap, usual case); equality for products re-read but not changed.
    return old is new or (old is not None and old == new)


class KeywordIndex:
    """Inverted index over one catalog snapshot: term -> [(product id, field weight)].

    A query word matches a term exactly, as a prefix (type-ahead, "chocolat"), as a plural
    ("creams"), or — only when none of those finds anything — within one or two typos
    ("camomile", "expresso", "yrgacheffe"). Candidates for the typo step come from shared trigrams
    (a word within d edits keeps most of its trigrams), so only a handful of edit distances are
    computed per word instead of one per vocabulary term.
    """

    def __init__(
        self, products: Iterable[Product], *, postings: dict[str, list[tuple[str, float]]] | None = None
    ) -> None:
        self.products = {product.id: product for product in products}
        if postings is None:
            postings = {}
            for product in self.products.values():
                for term, weight in product.terms.items():
                    postings.setdefault(term, []).append((product.id, weight))
        self.postings = postings
        self.vocabulary = sorted(postings)
        self._trigram_index: dict[str, list[str]] | None = None
        self._expansions: dict[str, list[tuple[str, float]]] = {}
        self._lock = threading.Lock()

    def refreshed(self, products: Sequence[Product]) -> KeywordIndex:
        """An index of a newer snapshot, reusing this one's postings for unchanged products.

        Every order changes a product's stock and so produces a new snapshot; rebuilding from scratch
        costs ~30 ms at 2,000 products, patching the few changed products well under one. The catalog
        reuses the Product objects it did not re-read, so identity (then equality) tells what changed. A new index
        is returned (never mutated in place) because searches may be reading this one.
        """
        current = {product.id: product for product in products}
        changed = {pid for pid, product in current.items() if not _same(self.products.get(pid), product)}
        changed |= self.products.keys() - current.keys()
        if not changed:
            return KeywordIndex(products, postings=self.postings)
        if len(changed) * 4 > len(current):
            return KeywordIndex(products)
        touched: set[str] = set()
        for pid in changed:
            for version in (self.products.get(pid), current.get(pid)):
                if version is not None:
                    touched.update(version.terms)
        postings = dict(self.postings)
        for term in touched:
            kept = [(pid, weight) for pid, weight in postings.get(term, ()) if pid not in changed]
            kept += [
                (pid, current[pid].terms[term]) for pid in changed if pid in current and term in current[pid].terms
            ]
            if kept:
                postings[term] = kept
            else:
                postings.pop(term, None)
        return KeywordIndex(products, postings=postings)

    def _trigram_terms(self) -> dict[str, list[str]]:
        if self._trigram_index is None:
            index: dict[str, list[str]] = {}
            for term in self.vocabulary:
                if len(term) >= 3 and not term.isdigit():
                    for gram in _trigrams(term):
                        index.setdefault(gram, []).append(term)
            self._trigram_index = index
        return self._trigram_index

    def expand(self, word: str) -> list[tuple[str, float]]:
        """Vocabulary terms a query word stands for, each with a match-quality factor."""
        cached = self._expansions.get(word)
        if cached is not None:
            return cached
        with self._lock:
            result = self._expand(word)
            if len(self._expansions) > 4096:
                self._expansions.clear()
            self._expansions[word] = result
        return result

    def _expand(self, word: str) -> list[tuple[str, float]]:
        found: list[tuple[str, float]] = []
        if word in self.postings:
            found.append((word, 1.0))
        if len(word) >= 3:
            start = bisect.bisect_left(self.vocabulary, word)
            for term in self.vocabulary[start:]:
                if not term.startswith(word):
                    break
                if term != word:
                    found.append((term, PREFIX_FACTOR))
        if found:
            return found
        for stem in (word[:-1], word[:-2]) if len(word) >= 4 and word.endswith("s") else ():
            if stem in self.postings:
                return [(stem, PLURAL_FACTOR)]
        return self._fuzzy(word)

    def _fuzzy(self, word: str) -> list[tuple[str, float]]:
        limit = _max_typos(word)
        if not limit:
            return []
        grams = _trigrams(word)
        shared: Counter[str] = Counter()
        index = self._trigram_terms()
        for gram in grams:
            shared.update(index.get(gram, ()))
        # One edit destroys at most three trigrams (four for a transposition): a cheap exact filter.
        needed = max(1, len(grams) - 4 * limit)
        best: dict[str, int] = {}
        for term, count in shared.items():
            # People rarely mistype the first letter; requiring it keeps "calming" from meaning "warming".
            if count < needed or term[0] != word[0]:
                continue
            distance = edit_distance(word, term, limit)
            if distance > limit and len(term) > len(word) >= 5:
                # A typo in a word that is still being typed: compare with the term's beginning.
                distance = edit_distance(word, term[: len(word)], 1) + 1
            if distance <= limit:
                best[term] = distance
        if not best:
            return []
        closest = min(best.values())
        return [(term, FUZZY_FACTORS.get(d, 0.4)) for term, d in sorted(best.items()) if d == closest]

    def correct(self, text: str) -> str:
        """The text with misspelt words replaced by their closest catalog term, for the embedder.

        MiniLM has never seen "camomile" next to our chamomile teas, so without this the semantic
        side ranks typo queries badly and drags the fused ranking down with it. A word of five or
        more letters that is no catalog term but begins one is completed the same way ("jasmin" ->
        "jasmine", "chocolat" -> "chocolate"): it is a word cut short, and the embedder reads
        "jasmin" as something else. Returns `text` unchanged when nothing needed correcting.
        """
        words = tokenize(text)
        changed = False
        out: list[str] = []
        for word in words:
            expansions = self.expand(word) if word not in STOPWORDS else []
            best = max((f for _, f in expansions), default=0.0)
            unfinished = len(word) >= 5 and word not in self.postings and best <= PREFIX_FACTOR
            if expansions and (best <= _FUZZY_MAX or unfinished):
                # Several equally close terms: the commonest one is the likeliest intent.
                word = max(expansions, key=lambda e: (e[1], len(self.postings.get(e[0], ()))))[0]
                changed = True
            out.append(word)
        return " ".join(out) if changed else text

    def scores(self, query: str) -> dict[str, float]:
        """Weighted keyword scores (field weights from Product.terms, coverage rule), plus typo tolerance.

        A prefix match in a heavier field (the name) may beat an exact match in a lighter one (the
        description). Stopwords are ignored.
        """
        return self.match(query)[0]

    def match(self, query: str) -> tuple[dict[str, float], float]:
        """Scores, and the best share of query words any product matched (1.0: some product has all)."""
        words = [w for w in tokenize(query) if w not in STOPWORDS] or tokenize(query)
        if not words:
            return {}, 0.0
        totals: dict[str, float] = {}
        matched: dict[str, int] = {}
        for word in dict.fromkeys(words):
            best: dict[str, float] = {}
            for term, factor in self.expand(word):
                for product_id, weight in self.postings.get(term, ()):
                    value = weight * factor
                    if value > best.get(product_id, 0.0):
                        best[product_id] = value
            repeat = words.count(word)
            for product_id, value in best.items():
                totals[product_id] = totals.get(product_id, 0.0) + value * repeat
                matched[product_id] = matched.get(product_id, 0) + repeat
        scores = {pid: total * matched[pid] / len(words) for pid, total in totals.items()}
        coverage = max(matched.values(), default=0) / len(words)
        return scores, coverage
