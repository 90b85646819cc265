"""Product discovery: what we embed, keeping the vector index in step, and hybrid ranking.

Why this lives in shop/ and not in vectorstore/: deciding WHAT a product means (its text, its
filterable facts, which changes matter) is domain knowledge; vectorstore/ only stores vectors.

Why hybrid: keywords are exact and explainable ("yirgacheffe" must find the Yirgacheffe) but blind to
meaning ("something to help me sleep" shares no word with "Chamomile & Lavender"); embeddings are the
reverse. Reciprocal-rank fusion merges the two rankings without having to calibrate a BM25-ish score
against a cosine distance, and a product both rankers like ends on top.

Why keyword scoring stays in Python: SecantusDB has no text index (error 67), and the catalog is an
in-memory snapshot anyway, so an inverted index over the snapshot answers in about a millisecond on
either database. (On real MongoDB a $text index would work, but it would also give a second,
differently-behaving code path; not worth it at catalog sizes of a few thousand products.)
"""

from __future__ import annotations

import bisect
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from shop.catalog.snapshot import Catalog, CatalogPage, CatalogQuery, Product, normalize, on_shelf, tokenize

if TYPE_CHECKING:
    from vectorstore.store import ProductVectorStore

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------------
# What we embed
# --------------------------------------------------------------------------------------------------

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _label(key: str) -> str:
    return _CAMEL.sub(" ", key).replace("_", " ").lower()


def product_document(product: Product) -> str:
    """The text a product is embedded from.

    Name and category come first because the model truncates long inputs (256 word pieces) and they
    carry the most meaning; attributes and tags follow as plain words (tasting notes, "caffeine:
    none", "sleep") because that is how customers describe what they want. Price and stock are left
    out on purpose: they change often, and they are filters, not meaning.
    """
    parts = [f"{product.name}.", f"{product.category_name}."]
    if product.attributes:
        parts.append("; ".join(f"{_label(k)}: {v}" for k, v in product.attributes.items()) + ".")
    if product.tags:
        parts.append("Tags: " + ", ".join(t.replace("-", " ") for t in product.tags) + ".")
    if product.description:
        parts.append(product.description.strip())
    return " ".join(parts)


def is_caffeine_free(product: Product) -> bool:
    """True only when the product says so (attribute or tag): unknown caffeine is not caffeine-free."""
    caffeine = normalize(product.attributes.get("caffeine", ""))
    if caffeine in {"none", "decaf", "decaffeinated", "caffeine-free", "caffeine free", "no", "0", "free"}:
        return True
    tags = {normalize(t) for t in product.tags}
    return bool(tags & {"caffeine-free", "decaf", "decaffeinated", "caffeine free"})


def product_metadata(product: Product) -> dict[str, str | float | bool]:
    """Filterable facts stored next to the vector, so Chroma can pre-filter neighbour candidates.

    The content hash of the embedded text is added by the store as `fingerprint` (it also covers
    the model name, so switching models re-embeds everything).
    """
    return {
        "category": product.category,
        "price": float(product.price),
        "in_stock": product.in_stock,
        "rating": round(float(product.rating), 3),
        "caffeine_free": is_caffeine_free(product),
    }


# --------------------------------------------------------------------------------------------------
# Keeping the index in step with the catalog
# --------------------------------------------------------------------------------------------------


@dataclass
class SyncReport:
    embedded: int = 0
    metadata_updated: int = 0
    deleted: int = 0
    unchanged: int = 0


class ProductIndex:
    """Keeps a ProductVectorStore equal to the catalog's active products.

    Only changed text is re-embedded (fingerprint compare); a changed price, rating or stock flag only
    rewrites metadata. Catalog change events arrive on whichever request thread refreshed the
    catalog, so that thread must never wait behind a long sync: events are queued, applied at once
    when the index is idle and by the running sync otherwise, and a big batch (a bulk import) goes
    to a background thread. A failure while following events must never break the page that
    triggered them: it is logged and `dirty` is set for the next `sync` to repair.
    """

    def __init__(self, store: ProductVectorStore, *, inline_limit: int = 32) -> None:
        self.store = store
        self.inline_limit = inline_limit
        self.dirty = False
        self._lock = threading.Lock()
        self._pending: list[Product] = []
        self._pending_lock = threading.Lock()

    def sync(self, catalog: Catalog, *, progress: Callable[[int, int], None] | None = None) -> SyncReport:
        """Make the store match the catalog; cheap when nothing changed (no model call)."""
        with self._lock:
            try:
                active = catalog.all()
                stored = self.store.metadata()
                report = self._apply(active, stored, progress=progress)
                gone = set(stored) - {p.id for p in active}
                self.store.delete(sorted(gone))
                report.deleted += len(gone)
                self.dirty = False
            finally:
                self._drain_locked()
        self._drain_stragglers()
        return report

    def rebuild(self, catalog: Catalog, progress: Callable[[int, int], None] | None = None) -> SyncReport:
        """Drop every vector and embed the whole catalog again (after a model or document change)."""
        with self._lock:
            try:
                self.store.reset()
                report = self._apply(catalog.all(), {}, progress=progress)
                self.dirty = False
            finally:
                self._drain_locked()
        self._drain_stragglers()
        return report

    def apply(self, products: Iterable[Product]) -> SyncReport:
        """Follow changed products now: re-embed, update metadata, or remove the deleted ones."""
        with self._lock:
            return self._apply_changes(list(products))

    def attach(self, catalog: Catalog) -> None:
        """Follow the catalog's change events from now on.

        The catalog is loaded first, so its initial load is not replayed through the listener (that
        would embed a fresh catalog inside the first page request); call `sync` once at start-up,
        in a background thread if the store may be empty.
        """
        catalog.all()
        catalog.on_change(self._on_change)

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until queued changes are applied (tests, CLI commands); False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._pending_lock:
                idle = not self._pending
            if idle and self._lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
                self._lock.release()
                with self._pending_lock:
                    if not self._pending:
                        return True
            time.sleep(0.01)
        return False

    # --- change events ----------------------------------------------------------------------
    def _on_change(self, products: list[Product]) -> None:
        with self._pending_lock:
            self._pending.extend(products)
            backlog = len(self._pending)
        if backlog > self.inline_limit:
            threading.Thread(target=self._drain_stragglers, name="product-index", daemon=True).start()
        else:
            self._drain_stragglers()

    def _drain_stragglers(self) -> None:
        """Apply queued changes unless someone else holds the index; they will apply them instead.

        Re-checked after every release, so a change queued while the holder was finishing is not
        left behind until the next event.
        """
        while True:
            with self._pending_lock:
                if not self._pending:
                    return
            if not self._lock.acquire(blocking=False):
                return
            try:
                self._drain_locked()
            finally:
                self._lock.release()

    def _drain_locked(self) -> None:
        with self._pending_lock:
            batch, self._pending = self._pending, []
        if not batch:
            return
        latest = {product.id: product for product in batch}  # later versions win
        try:
            self._apply_changes(list(latest.values()))
        except Exception:
            self.dirty = True
            log.exception("Could not update the product vector index; the next sync will repair it")

    def _apply_changes(self, changed: list[Product]) -> SyncReport:
        removed = [p.id for p in changed if p.deleted]
        live = [p for p in changed if not p.deleted]
        stored = self.store.metadata([p.id for p in live])
        report = self._apply(live, stored)
        self.store.delete(removed)
        report.deleted += len(removed)
        return report

    def _apply(
        self,
        products: Sequence[Product],
        stored: dict[str, dict[str, Any]],
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> SyncReport:
        from vectorstore.store import FINGERPRINT_KEY

        embed: list[tuple[str, str, dict[str, Any]]] = []
        update: list[tuple[str, dict[str, Any]]] = []
        unchanged = 0
        for product in products:
            document = product_document(product)
            metadata = product_metadata(product)
            current = stored.get(product.id)
            if current is None or current.get(FINGERPRINT_KEY) != self.store.fingerprint(document):
                embed.append((product.id, document, metadata))
            elif any(current.get(key) != value for key, value in metadata.items()):
                update.append((product.id, metadata))
            else:
                unchanged += 1
        if embed:
            ids, documents, metadatas = zip(*embed, strict=True)
            self.store.upsert(ids, documents, metadatas, progress=progress)
        if update:
            ids_, metadatas_ = zip(*update, strict=True)
            self.store.update_metadata(ids_, metadatas_)
        return SyncReport(embedded=len(embed), metadata_updated=len(update), unchanged=unchanged)


# --------------------------------------------------------------------------------------------------
# Typo-tolerant keyword scoring
# --------------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------------
# Natural-language filters
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryFilters:
    """Filters the parser understood in free text; the form's explicit values always win."""

    category: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    caffeine_free: bool = False
    in_stock: bool = False

    def __bool__(self) -> bool:
        return (
            bool(self.category or self.min_price is not None or self.max_price is not None or self.caffeine_free)
            or self.in_stock
        )

    def merged_into(self, query: CatalogQuery) -> CatalogQuery:
        updates: dict[str, Any] = {}
        if query.category is None and self.category:
            updates["category"] = self.category
        if query.min_price is None and self.min_price is not None:
            updates["min_price"] = self.min_price
        if query.max_price is None and self.max_price is not None:
            updates["max_price"] = self.max_price
        if self.in_stock and not query.in_stock:
            updates["in_stock"] = True
        return query.model_copy(update=updates) if updates else query

    def admits(self, product: Product) -> bool:
        """The filters CatalogQuery cannot express (caffeine)."""
        return not self.caffeine_free or is_caffeine_free(product)


_NUMBER = r"(\d{1,6}(?:\.\d{1,2})?)(?!\.?\d)"  # never a prefix of a longer number
_CURRENCY_WORD = r"(?:dollars?|usd|bucks|\$)"
_MONEY = rf"(\$\s*)?{_NUMBER}(?:\s*{_CURRENCY_WORD})?"
# A number followed by a unit is a size, a strength or a time, never a price ("over 70% cocoa").
_UNIT = re.compile(
    r"\s*(?:%|°|(?:percent|g|gr|grams?|kg|kilos?|mg|ml|l|litres?|liters?|oz|ounces?|lbs?|pounds?|cups?|bags?|"
    r"pods?|capsules?|sachets?|servings?|pieces?|pcs|x|minutes?|mins?|hours?|days?|weeks?|months?|years?|"
    r"degrees?|c|f|stars?|reviews?|calories|kcal)\b)",
    re.IGNORECASE,
)
_MAX_WORDS = (
    r"under|below|beneath|less\s+than|cheaper\s+than|lower\s+than|no\s+more\s+than|not\s+more\s+than|"
    r"at\s+most|up\s+to|max(?:imum)?|within|<=?"
)
_MIN_WORDS = r"over|above|more\s+than|higher\s+than|at\s+least|min(?:imum)?|>=?"
_BETWEEN = re.compile(rf"\b(?:between|from)\s+{_MONEY}\s*(?:and|to|-|–)\s*{_MONEY}", re.IGNORECASE)
_RANGE = re.compile(rf"(?<![\w.]){_MONEY}\s*(?:-|–|to)\s*{_MONEY}", re.IGNORECASE)
_MAX = re.compile(rf"(?:(?<=\s)|^)(?:{_MAX_WORDS})\s*{_MONEY}", re.IGNORECASE)
_MIN = re.compile(rf"(?:(?<=\s)|^)(?:{_MIN_WORDS})\s*{_MONEY}", re.IGNORECASE)
_MAX_AFTER = re.compile(rf"(?<![\w.]){_MONEY}\s+(?:or\s+less|or\s+under|or\s+cheaper|and\s+under|max)\b", re.IGNORECASE)
_MIN_AFTER = re.compile(rf"(?<![\w.]){_MONEY}\s*(?:\+|\s(?:or\s+more|and\s+up|and\s+over|or\s+above)\b)", re.IGNORECASE)

_CAFFEINE_FREE = re.compile(
    r"\b(?:caffeine[-\s]?free|no[-\s]caffeine|without\s+(?:any\s+)?caffeine|zero[-\s]caffeine|"
    r"non[-\s]?caffeinated|un[-\s]?caffeinated|decaf(?:feinated)?|caffeine\s*:\s*none)\b",
    re.IGNORECASE,
)
_IN_STOCK = re.compile(
    r"\b(?:(?:only\s+)?(?:that\s+(?:is|are)\s+)?in[-\s]stock(?:\s+only)?|available\s+(?:now|today)|ready\s+to\s+ship)\b",
    re.IGNORECASE,
)

_CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "coffee": ("coffee", "coffees", "espresso", "espressos"),
    "tea": ("tea", "teas", "tisane", "tisanes"),
    "food": ("food", "foods", "snack", "snacks", "pantry"),
    "beauty": (
        "cream",
        "creams",
        "moisturizer",
        "moisturizers",
        "moisturiser",
        "moisturisers",
        "lotion",
        "lotions",
        "skincare",
        "beauty",
    ),
}
# Unambiguous phrases: they decide the category even next to another category's word
# ("green tea hand cream" is a cream).
_STRONG_BEAUTY = re.compile(
    r"\b(?:(?:hand|face|facial|body|night|day|eye|foot|feet|lip)\s+(?:cream|balm|lotion|butter)s?|"
    r"lip\s+balms?|skin\s*care|moisturi[sz]ers?)\b",
    re.IGNORECASE,
)
# Words that name another kind of product: "coffee syrup" or "biscuits for tea" are food, so a
# category word next to them is not a hint.
_CONFLICT_WORDS = re.compile(
    r"\b(?:ice\s+cream|tea\s+tree|syrups?|biscuits?|biscotti|cookies?|cakes?|chocolates?|honey|jams?|marmalades?|"
    r"granola|nuts?|scrub|soap|candles?|mugs?|cups?|grinder|kettle|pot|infuser)\b",
    re.IGNORECASE,
)
# "to go with my coffee", "for tea", "pairs with espresso": the word names the occasion, not the product.
_ACCOMPANIMENT = re.compile(
    r"\b(?:for|with|alongside|in|into|go(?:es)?\s+with|pairs?\s+with|pairing\s+with)\s+(?:my\s+|a\s+|the\s+|your\s+|our\s+)?"
    r"(?:morning\s+|afternoon\s+|evening\s+)?(?:coffee|coffees|espresso|tea|teas)\b",
    re.IGNORECASE,
)
_CONNECTORS = {
    "for",
    "at",
    "and",
    "priced",
    "costing",
    "that",
    "which",
    "is",
    "are",
    "with",
    "but",
    "costs",
    "cost",
    "only",
    "around",
    "of",
    "from",
    "something",
}


def _money(text: str) -> Decimal | None:
    try:
        value = Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None
    return value if 0 <= value <= 100000 else None


def _looks_like_price(match: re.Match[str], text: str) -> bool:
    """A number is a price unless a unit follows it; currency signs settle it either way."""
    return not _UNIT.match(text, match.end()) or "$" in match.group(0)


def parse_query(text: str) -> tuple[str, QueryFilters]:
    """Split free text into the words to rank by and the filters it states.

    Conservative on purpose: a wrong filter hides good products silently, while a missed one only
    ranks them a bit lower. Prices need a comparison word ("under 15", "$10-$20"), never a bare number;
    a category is set only when exactly one category is named and nothing suggests an accompaniment
    ("biscuits for my tea") or another kind of product ("coffee syrup").
    """
    remaining = text
    spans: list[tuple[int, int]] = []
    min_price: Decimal | None = None
    max_price: Decimal | None = None

    def take(pattern: re.Pattern[str]) -> list[re.Match[str]]:
        found = []
        for match in pattern.finditer(remaining):
            if any(start < match.end() and match.start() < end for start, end in spans):
                continue
            if not _looks_like_price(match, remaining):
                continue
            found.append(match)
            spans.append(match.span())
        return found

    for match in take(_BETWEEN):
        low, high = _money(match.group(2)), _money(match.group(4))
        if low is not None and high is not None:
            min_price, max_price = min(low, high), max(low, high)
    for match in _RANGE.finditer(remaining):
        if any(start < match.end() and match.start() < end for start, end in spans):
            continue
        has_currency = "$" in match.group(0) or re.search(_CURRENCY_WORD, match.group(0), re.IGNORECASE)
        if not has_currency or not _looks_like_price(match, remaining):
            continue
        low, high = _money(match.group(2)), _money(match.group(4))
        if low is not None and high is not None:
            spans.append(match.span())
            min_price, max_price = min(low, high), max(low, high)
    for match in take(_MAX) + take(_MAX_AFTER):
        value = _money(match.group(2))
        if value is not None:
            max_price = value if max_price is None else min(max_price, value)
    for match in take(_MIN) + take(_MIN_AFTER):
        value = _money(match.group(2))
        if value is not None:
            min_price = value if min_price is None else max(min_price, value)
    if min_price is not None and max_price is not None and min_price > max_price:
        min_price = max_price = None  # contradictory ("over 30 under 10"): trust neither

    in_stock = False
    for match in _IN_STOCK.finditer(remaining):
        spans.append(match.span())
        in_stock = True

    for start, end in sorted(spans, reverse=True):
        remaining = remaining[:start] + " " + remaining[end:]

    caffeine_free = bool(_CAFFEINE_FREE.search(remaining))
    # Negations embed badly ("without caffeine" sits next to caffeine); say it the way products do.
    remaining = re.sub(
        r"\b(?:no[-\s]caffeine|without\s+(?:any\s+)?caffeine|zero[-\s]caffeine|non[-\s]?caffeinated|"
        r"un[-\s]?caffeinated)\b",
        "caffeine-free",
        remaining,
        flags=re.IGNORECASE,
    )

    remaining = _tidy(remaining)
    filters = QueryFilters(
        category=_category_hint(remaining),
        min_price=min_price,
        max_price=max_price,
        caffeine_free=caffeine_free,
        in_stock=in_stock,
    )
    return remaining, filters


def _category_hint(text: str) -> str | None:
    if _STRONG_BEAUTY.search(text):
        return "beauty"
    if _CONFLICT_WORDS.search(text) or _ACCOMPANIMENT.search(text):
        return None
    words = set(tokenize(text))
    named = {category for category, vocabulary in _CATEGORY_WORDS.items() if words & set(vocabulary)}
    return named.pop() if len(named) == 1 else None


def _tidy(text: str) -> str:
    words = re.sub(r"\s+", " ", text).strip(" ,.;:!?-").split(" ")
    while words and words[-1].lower().strip(",.;:!?") in _CONNECTORS:
        words.pop()
    while words and words[0].lower().strip(",.;:!?") in _CONNECTORS - {"something"}:
        words.pop(0)
    return " ".join(words).strip(" ,.;:!?-")


# --------------------------------------------------------------------------------------------------
# Hybrid search
# --------------------------------------------------------------------------------------------------


@dataclass
class SearchResult:
    page: CatalogPage
    text: str
    """The words that were ranked (the query minus the filters the parser took out)."""
    filters: QueryFilters = field(default_factory=QueryFilters)
    """What the parser understood, to show as removable chips ("under $15", "caffeine-free")."""


def _ranks(items: Sequence[tuple[str, float]], *, higher_is_better: bool) -> dict[str, int]:
    """Competition ranks ("1224"): equal scores share a rank, so ties do not decide by accident."""
    ordered = sorted(items, key=lambda item: -item[1] if higher_is_better else item[1])
    ranks: dict[str, int] = {}
    previous: float | None = None
    rank = 0
    for position, (key, score) in enumerate(ordered, start=1):
        if score != previous:
            rank, previous = position, score
        ranks[key] = rank
    return ranks


def chroma_where(query: CatalogQuery, filters: QueryFilters | None = None) -> dict[str, Any] | None:
    """The listing's stable filters as a Chroma `where`, so neighbours come from the right shelf.

    Only category, price and caffeine are pushed down: stock and rating change with every order and
    review and are checked on the fresh catalog snapshot anyway.
    """
    clauses: list[dict[str, Any]] = []
    if query.category:
        clauses.append({"category": query.category})
    if query.min_price is not None:
        clauses.append({"price": {"$gte": float(query.min_price)}})
    if query.max_price is not None:
        clauses.append({"price": {"$lte": float(query.max_price)}})
    if filters is not None and filters.caffeine_free:
        clauses.append({"caffeine_free": True})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


OVERFETCH = 4
"""How many times more unfiltered neighbours to fetch than needed before filtering them in Python."""


class HybridSearch:
    """Keyword and semantic rankings fused by reciprocal rank.

    `k` damps the head of each ranking: 1/(k + rank) makes rank 1 and rank 5 close, so a product
    ranked well by BOTH beats one ranked first by only one.

    Which products are *in* the result: every keyword match, plus semantic neighbours that are
    close enough. MiniLM puts a good paraphrase at cosine distance ~0.25-0.5 from a descriptive query,
    single words land at ~0.55-0.75 even from their best match, and gibberish at ~0.85. So a
    semantic-only product must be within `confident_distance` when the keywords already matched some
    product in full; when they did not (paraphrases, unknown words) the bar drops to `max_distance`.
    Either way it must be within `relative_margin` of the best hit. Farther neighbours still help
    order the keyword matches. Without a store (or if Chroma fails) it degrades to keyword ranking.
    """

    def __init__(
        self,
        store: ProductVectorStore | None,
        *,
        k: int = 60,
        candidates: int = 40,
        confident_distance: float = 0.5,
        max_distance: float = 0.75,
        relative_margin: float = 0.15,
        keyword_weight: float = 1.0,
        semantic_weight: float = 1.0,
        ready: threading.Event | None = None,
    ) -> None:
        self.store = store
        # Until the model is loaded and the index synced (seconds after start-up), searches rank by
        # keywords instead of waiting on the model: the shop opens at once. None: ready from the start.
        self.ready = ready
        self.k = k
        self.candidates = candidates
        self.confident_distance = confident_distance
        self.max_distance = max_distance
        self.relative_margin = relative_margin
        self.keyword_weight = keyword_weight
        self.semantic_weight = semantic_weight
        self._index: tuple[list[Product], KeywordIndex] | None = None
        self._index_lock = threading.Lock()
        # Fused scores per search, for the catalog snapshot and vector index they were computed on:
        # every page and sort order of a search asks again, and popular searches repeat.
        self._scores: tuple[tuple[Any, ...], dict[tuple[Any, ...], dict[str, float]]] = ((), {})

    # --- the two rankers ----------------------------------------------------------------------
    def keyword_index(self, catalog: Catalog) -> KeywordIndex:
        """The index of the current snapshot (rebuilt only when the catalog's product list changes)."""
        products = catalog.all()
        cached = self._index
        if cached is not None and cached[0] is products:
            return cached[1]
        with self._index_lock:
            cached = self._index
            if cached is None:
                cached = (products, KeywordIndex(products))
            elif cached[0] is not products:
                cached = (products, cached[1].refreshed(products))
            self._index = cached
        return cached[1]

    def keyword_scores(self, query_text: str, catalog: Catalog) -> dict[str, float]:
        return self.keyword_index(catalog).scores(query_text)

    def semantic(
        self,
        query_text: str,
        *,
        n: int | None = None,
        admit: Callable[[str], bool] | None = None,
        where: dict[str, Any] | None = None,
    ) -> list[tuple[str, float]]:
        """Nearest products within `max_distance`, closest first; [] without a store or on failure.

        Filtering: Chroma's filtered search costs 5-20 ms at 2,000 products against ~1 ms unfiltered,
        so this asks for OVERFETCH times more unfiltered neighbours and keeps those `admit` accepts;
        only a filter too selective for that pays for a `where` query.
        """
        if self.store is None or not query_text.strip() or (self.ready is not None and not self.ready.is_set()):
            return []
        n = n or self.candidates
        try:
            if admit is None:
                hits = self.store.query(query_text, n)
            else:
                wide = self.store.query(query_text, n * OVERFETCH)
                hits = [hit for hit in wide if admit(hit[0])][:n]
                exhausted = len(wide) < n * OVERFETCH or wide[-1][1] > self.max_distance
                if len(hits) < n and not exhausted and where:
                    hits = self.store.query(query_text, n, where=where)
        except Exception:
            log.exception("Semantic search failed; ranking by keywords only")
            return []
        return [(pid, distance) for pid, distance in hits if distance <= self.max_distance]

    # --- fusion -------------------------------------------------------------------------------
    def scores(
        self,
        query_text: str,
        catalog: Catalog,
        *,
        candidates: int | None = None,
        query: CatalogQuery | None = None,
        filters: QueryFilters | None = None,
    ) -> dict[str, float]:
        """Product id -> fused score, for `Catalog.search(query, scores=...)` (the ids are the result set).

        `query`/`filters` narrow the semantic candidates to the listing's shelf, so a filtered search
        still gets `candidates` useful neighbours; keyword matches are filtered by Catalog.search.
        """
        index = self.keyword_index(catalog)
        keyword, coverage = index.match(query_text)
        admit = None
        if query is not None or filters is not None:
            shelf, extra = query or CatalogQuery(), filters or QueryFilters()

            def admit(pid: str) -> bool:
                product = catalog.get(pid)
                return product is not None and on_shelf(product, shelf) and extra.admits(product)

        semantic = self.semantic(
            index.correct(query_text),
            n=candidates,
            admit=admit,
            where=chroma_where(query or CatalogQuery(), filters),
        )
        if semantic:
            bar = self.confident_distance if coverage >= 1.0 else self.max_distance
            bar = min(bar, semantic[0][1] + self.relative_margin)
            semantic_ranks = _ranks(semantic, higher_is_better=False)
            admitted = {pid for pid, distance in semantic if distance <= bar}
        else:
            semantic_ranks, admitted = {}, set()
        fused: dict[str, float] = {}
        for pid, rank in _ranks(list(keyword.items()), higher_is_better=True).items():
            fused[pid] = self.keyword_weight / (self.k + rank)
        for pid, rank in semantic_ranks.items():
            if pid in fused or pid in admitted:
                fused[pid] = fused.get(pid, 0.0) + self.semantic_weight / (self.k + rank)
        return fused

    def search(self, catalog: Catalog, query: CatalogQuery, *, understand: bool = True) -> SearchResult:
        """A catalog listing for free text: parse filters out of `query.q`, rank, filter, paginate.

        The same call serves the storefront search box and the agent's search tool.
        """
        text, filters = self._prepare(query.q or "", understand=understand)
        if understand:
            query = filters.merged_into(query)
        query = query.model_copy(update={"q": text or None})
        if not text:
            return SearchResult(catalog.search(query), text, filters)
        return SearchResult(
            catalog.search(query, scores=self._search_scores(text, catalog, query, filters)), text, filters
        )

    def warm_queries(self, catalog: Catalog, texts: Iterable[str]) -> int:
        """Encode searches visitors are likely to make (the tag links on product pages, the shop's
        popular searches) before anyone makes them, prepared exactly as `search` prepares a query so
        the cached vectors are the ones it will ask for. Returns how many were encoded."""
        if self.store is None:
            return 0
        index = self.keyword_index(catalog)
        prepared = [index.correct(text) for text, _ in map(self._prepare, texts) if text.strip()]
        return self.store.embedding.remember_queries(prepared)

    @staticmethod
    def _prepare(raw: str, *, understand: bool = True) -> tuple[str, QueryFilters]:
        """A visitor's text as it is ranked: without the filters it states ("under $10", "decaf"),
        which `understand` takes out of it, and at most 100 characters."""
        text, filters = parse_query(raw) if understand and raw else (raw, QueryFilters())
        return text[:100], filters

    def vectors_version(self) -> tuple[int, bool]:
        """Changes whenever semantic answers may: the index was written, or semantic ranking switched on."""
        return (self.store.version if self.store is not None else 0, self.ready is None or self.ready.is_set())

    def _search_scores(
        self, text: str, catalog: Catalog, query: CatalogQuery, filters: QueryFilters
    ) -> dict[str, float]:
        snapshot = catalog.all()
        vectors = self.vectors_version()
        stamp, cache = self._scores
        if not stamp or stamp[0] is not snapshot or stamp[1] != vectors:
            cache = {}
            self._scores = ((snapshot, vectors), cache)
        key = (text, query.model_dump_json(exclude={"page", "page_size", "sort"}), filters)
        scores = cache.get(key)
        if scores is None:
            scores = self.scores(text, catalog, query=query, filters=filters)
            if filters.caffeine_free:
                scores = {
                    pid: s for pid, s in scores.items() if (p := catalog.get(pid)) is not None and filters.admits(p)
                }
            if len(cache) >= 2048:
                cache.clear()
            cache[key] = scores
        return scores

    def suggest(self, catalog: Catalog, text: str, limit: int = 6) -> list[Product]:
        """Type-ahead: the best keyword matches for a partly typed query, keywords only.

        Runs on every keystroke, so no embedding (~1 ms instead of ~15). The last word is usually
        unfinished, which the keyword index handles as a prefix ("chocol"), and typos as usual
        ("camomile"). A product whose name starts with the text goes first; ties go to products in
        stock, then to the more reviewed (a proxy for popular) ones.
        """
        words = tokenize(text)
        if not words:
            return []
        scores = self.keyword_scores(" ".join(words), catalog)
        typed = " ".join(words)

        def rank(pid: str) -> tuple[bool, float, bool, int, str]:
            product = catalog.get(pid)
            assert product is not None
            starts = " ".join(tokenize(product.name)).startswith(typed)
            return (not starts, -scores[pid], not product.in_stock, -product.review_count, product.name)

        live = [pid for pid in scores if catalog.get(pid) is not None]
        return [p for p in (catalog.get(pid) for pid in sorted(live, key=rank)[:limit]) if p is not None]

    def similar(
        self, product_id: str, catalog: Catalog, n: int = 6, *, same_category: bool = False, in_stock: bool = True
    ) -> list[Product]:
        """Products whose embeddings sit closest to this one's ("you may also like").

        Unfiltered neighbours are fetched generously and filtered here (see `semantic` for why); a
        Chroma `where` query is the fallback when too few survive.
        """
        if self.store is None or (self.ready is not None and not self.ready.is_set()):
            return []
        product = catalog.get(product_id)
        if product is None:
            return []

        def wanted(pid: str) -> Product | None:
            other = catalog.get(pid)
            if other is None or (in_stock and not other.in_stock):
                return None
            return other if not same_category or other.category == product.category else None

        want = n * 2 + 2
        try:
            hits = self.store.neighbours_of(product_id, want * (OVERFETCH if same_category else 1))
            found = [p for p in (wanted(pid) for pid, _ in hits) if p is not None]
            if len(found) < n and same_category and len(hits) == want * OVERFETCH:
                hits = self.store.neighbours_of(product_id, want, where={"category": product.category})
                found = [p for p in (wanted(pid) for pid, _ in hits) if p is not None]
        except Exception:
            log.exception("Similar-products lookup failed")
            return []
        return found[:n]
