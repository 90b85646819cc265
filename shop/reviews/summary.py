"""A short, local summary of a product's reviews: overall sentiment and the points people repeat.

Why local and rule-based rather than an LLM: it runs whenever reviews change, for every product, on
a 2-core box; a small lexicon plus phrase counting is instant, deterministic and cannot be talked
into anything by a review's text (reviews are hostile input: the summary only ever contains
lowercase words taken from the texts through the catalog tokenizer, so no markup or instructions
survive, and templates escape it anyway).

How: each review is split into clauses ("Smooth, never bitter, but a bit weak"); a clause's
polarity comes from a sentiment lexicon with negation ("never bitter" is praise) and "too X"
(always a complaint), falling back to the star rating. Candidate aspect phrases are the runs of
content words in a clause (up to three words: "peach notes", "pour over", "too sweet"); a phrase
counts once per review, on the side of its clause's polarity. The phrases most reviews share become
"Customers mention: ...; a few mention: ..." (sub-phrases of a chosen longer phrase are dropped).
The overall sentiment follows the average rating, which readers trust more than word counts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from shop.core.db import camel_doc
from shop.core.text import normalize

# Evaluative words: they carry sentiment but say nothing about the product, so they never become
# aspects ("great", "love").
_EVAL_POSITIVE = """
love loved loves lovely great fantastic amazing awesome excellent perfect perfectly impressed favourite favorite
recommend recommended best wonderful beautiful beautifully glad happy delicious superb brilliant gorgeous
definitely wonders worth enjoy enjoyed enjoying pleasant tasty gem outstanding stars
"""
_EVAL_NEGATIVE = """
disappointed disappointing disappointment terrible awful horrible worst bad poor sadly unfortunately regret
waste refund complaint mediocre meh expected shame unhappy
"""
# Descriptive words with a polarity: they count for sentiment AND can be aspects ("smooth", "stale").
_DESC_POSITIVE = """
smooth fresh soft rich creamy balanced bright clean fragrant aromatic sweetness silky gentle calming
soothing fast quickly absorbs value generous lasting nourishing moisturising moisturizing
"""
_DESC_NEGATIVE = """
stale bitter sour flat burnt weak bland artificial greasy sticky crushed broken dusty harsh
overpowering heavy faint fades small smaller expensive overpriced broke irritated rash leaked late
damaged watery chalky dry gritty off uneven old
"""
EVAL_POSITIVE = frozenset(_EVAL_POSITIVE.split())
EVAL_NEGATIVE = frozenset(_EVAL_NEGATIVE.split())
POSITIVE = EVAL_POSITIVE | frozenset(_DESC_POSITIVE.split())
NEGATIVE = EVAL_NEGATIVE | frozenset(_DESC_NEGATIVE.split())
_NEGATORS = """
not never no nothing hardly barely without isn t wasn didn doesn don aren rather
"""
NEGATORS = frozenset(_NEGATORS.split())

_STOPWORDS = """
a an the and or but so of to for with without in on at by from into onto as is are was were be been being
it its it's this that these those there here i me my mine we our you your he she they them their his her
am do does did done have has had having will would can could should may might must shall just really very
quite too also even still only much many more most less least some any all every each few bit lot lots
little one two first second third again once time times day days week weeks month months year years
thing things stuff way get got gets getting go goes went gone come comes came make makes made take took
use used using try tried put keep kept say said feel feels felt find found think thought know knew look
looks looked seem seems seemed want wanted need needed like likes liked than then now when while what
which who whom whose why how where if because about after before over under again further out up down off
well ok okay fine decent nice good not never no nothing hardly barely isn t wasn didn doesn don aren s
product products item order ordered ordering buy bought buying purchase purchased shop arrived arrive
new old next last same other another something anything everything everyone someone family whole
absolutely exactly totally completely truly simply actually sure certainly probably maybe though although
yet already ever since until per via etc within open opened opening bag bags box better drink drinking
drank eat eating ate finally penny highly described description through clearly rather than instead
morning evening afternoon home kitchen everyday daily usual usually whenever recently far enough
right brewed brew brewing tasted tastes smelled steeped
"""
# Words too general to be a point on their own (fine inside a phrase: "dark chocolate", "dry skin").
_GENERIC = """
tea teas coffee coffees cup cups mug notes note flavour flavor flavours taste tastes tasted taste roast
cream creams skin product quality brand price smell smells scent texture jar tin bar pack packet leaves
beans bean hands face body lips honey chocolate biscuits granola syrup jam balm
"""
GENERIC = frozenset(_GENERIC.split())
STOPWORDS = frozenset(_STOPWORDS.split()) - {"off", "old"}
_CLAUSE = re.compile(r"[.!?;,:\n]+|\s(?:but|though|although|however|except|yet|whereas)\s", re.IGNORECASE)
_WORD = re.compile(r"[a-z][a-z0-9']*(?:-[a-z0-9]+)*")
MAX_PHRASE_WORDS = 3


@dataclass
class ReviewSummary:
    sentiment: str  # "positive" | "mixed" | "negative" | "none"
    positives: list[str] = field(default_factory=list)
    negatives: list[str] = field(default_factory=list)
    review_count: int = 0
    average: float = 0.0
    negative_share: float = 0.0

    @property
    def text(self) -> str:
        """One or two sentences for the product page and the agent."""
        if not self.review_count:
            return ""
        parts = []
        if self.positives:
            parts.append("Customers mention " + _join(self.positives) + ".")
        if self.negatives:
            quantity = "A few" if self.negative_share < 0.2 else ("Some" if self.negative_share < 0.4 else "Many")
            parts.append(f"{quantity} mention {_join(self.negatives)}.")
        if not parts:
            parts.append(f"Overall {self.sentiment}.")
        return " ".join(parts)

    def to_doc(self) -> dict[str, object]:
        return camel_doc(
            self, "sentiment", "positives", "negatives", "review_count", "average", "negative_share", "text"
        )

    @classmethod
    def from_doc(cls, doc: dict[str, object]) -> ReviewSummary:
        return cls(
            sentiment=str(doc.get("sentiment", "none")),
            positives=[str(p) for p in doc.get("positives") or []],  # type: ignore[attr-defined]
            negatives=[str(p) for p in doc.get("negatives") or []],  # type: ignore[attr-defined]
            review_count=int(doc.get("reviewCount") or 0),  # type: ignore[call-overload]
            average=float(doc.get("average") or 0.0),  # type: ignore[arg-type]
            negative_share=float(doc.get("negativeShare") or 0.0),  # type: ignore[arg-type]
        )


def _join(phrases: list[str]) -> str:
    return phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]


def words(text: str) -> list[str]:
    return _WORD.findall(normalize(text).replace("’", "'"))


def clause_polarity(words: list[str]) -> float:
    """Lexicon score of one clause: negation flips the next two words' polarity; "too X" is negative."""
    score = 0.0
    for i, word in enumerate(words):
        value = 1.0 if word in POSITIVE else (-1.0 if word in NEGATIVE else 0.0)
        if i > 0 and words[i - 1] == "too" and word not in EVAL_POSITIVE:
            value = -1.0
        if value and any(t in NEGATORS for t in words[max(0, i - 2) : i]):
            value = -value
        score += value
    return score


def phrases(words: list[str]) -> set[str]:
    """Aspect phrases of a clause: runs of content words (1..3 words), plus "too X" complaints."""
    found: set[str] = set()
    run: list[str] = []

    def close() -> None:
        for size in range(1, MAX_PHRASE_WORDS + 1):
            for start in range(len(run) - size + 1):
                found.add(" ".join(run[start : start + size]))
        run.clear()

    for i, word in enumerate(words):
        if word == "too" and i + 1 < len(words) and words[i + 1] not in STOPWORDS:
            found.add(f"too {words[i + 1]}")
        content = (
            word not in STOPWORDS
            and word not in EVAL_POSITIVE
            and word not in EVAL_NEGATIVE
            and len(word) > 2
            and not word.isdigit()
            and "'" not in word
        )
        negated = content and any(t in NEGATORS for t in words[max(0, i - 2) : i])
        if content and not negated:
            run.append(word)
            if len(run) > 6:  # an unpunctuated ramble is not a phrase
                run.clear()
        else:
            close()
    close()
    return found


def summarize(reviews: Iterable[tuple[int, str]], *, max_positive: int = 4, max_negative: int = 3) -> ReviewSummary:
    """Summarize (rating, text) pairs of the VISIBLE reviews."""
    items = list(reviews)
    if not items:
        return ReviewSummary("none")
    pos_counts: Counter[str] = Counter()
    neg_counts: Counter[str] = Counter()
    negative_reviews = 0
    for rating, text in items:
        review_pos: set[str] = set()
        review_neg: set[str] = set()
        for clause in _CLAUSE.split(text):
            tokens = words(clause)
            if not tokens:
                continue
            polarity = clause_polarity(tokens)
            if polarity == 0:
                polarity = 1.0 if rating >= 4 else (-1.0 if rating <= 2 else 0.0)
            if polarity > 0:
                review_pos |= phrases(tokens)
            elif polarity < 0:
                review_neg |= phrases(tokens)
        if review_neg and rating <= 3:
            negative_reviews += 1
        pos_counts.update(review_pos - review_neg)
        neg_counts.update(review_neg - review_pos)
    count = len(items)
    average = sum(rating for rating, _ in items) / count
    floor = 1 if count < 4 else max(2, round(count * 0.08))
    positives = _top(pos_counts, floor, max_positive)
    negatives = _top(neg_counts, floor, max_negative, taken=set(positives))
    sentiment = "positive" if average >= 4.0 else ("mixed" if average >= 3.0 else "negative")
    return ReviewSummary(
        sentiment,
        positives,
        negatives,
        count,
        round(average, 2),
        round(negative_reviews / count, 3),
    )


def _top(counts: Counter[str], floor: int, limit: int, taken: set[str] | None = None) -> list[str]:
    """Most shared phrases; a longer phrase wins over its parts when nearly as common."""
    candidates = [(phrase, n) for phrase, n in counts.items() if n >= floor and phrase not in GENERIC]
    # Longer first among near-equals: prefer "peach notes" (5) to "peach" (6) and "notes" (9).
    candidates.sort(key=lambda item: (-(item[1] * (1 + 0.35 * (len(item[0].split()) - 1))), item[0]))
    chosen: list[str] = []
    blocked = set(taken or ())
    for phrase, _ in candidates:
        if any(_overlaps(phrase, other) for other in [*chosen, *blocked]):
            continue
        chosen.append(phrase)
        if len(chosen) >= limit:
            break
    return chosen


def _overlaps(a: str, b: str) -> bool:
    """True when one phrase's words are part of the other's ("peach" vs "peach notes")."""
    wa, wb = set(a.split()), set(b.split())
    return wa <= wb or wb <= wa
