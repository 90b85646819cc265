"""Questions about the shop's rules, answered from the owner's policy text: never a "yes" without the
section behind it. Also the haggle: a price below the shop's is refused with the real price.
"""

from __future__ import annotations

import re

from agent.guard import numbers_in, stated_numbers
from agent.understanding.execution import Execution, ExecutorBase
from shop.conversations.policies import PolicySection, stem
from shop.core.text import tokenize
from tools import customer
from tools.common import money
from tools.phrases import say

MAX_POLICY_SECTIONS = 2
"""Policy sections one answer quotes: two covers a two-part question and stays a short reply."""
SECOND_SECTION_SHARE = 0.5
"""A second section is quoted when it scores at least half the first: with similarity in meaning every
section scores something; the second section of "how long does shipping take and is it free?" scores
0.62 of the first, the third-ranked sections of such questions 0.4-0.6."""
CHOSEN_SECTION_WEIGHT = 3.0
"""The model's heading weighs as much as a topic word of the question (`PolicyLibrary.scores`)."""


class PolicyAnswers(ExecutorBase):
    """The policy steps of `Executor`."""

    def _policy(self) -> Execution:
        sections = self._policy_sections()
        if not sections:
            return self._direct(say("decline", self.lang, shop=self.services.settings.shop_name,
                                    categories=self._categories()))  # fmt: skip
        return self._policy_answer(sections)

    def _policy_answer(self, sections: list[PolicySection]) -> Execution:
        """The owner's text of `sections`: as written in English, worded from it in other languages.
        The product the question names may be named in the answer ("the opened Earl Grey cannot be
        returned"): the reply check refuses names nothing returned, and fell back to English."""
        for product in self._meant(allow_focus=False):
            self.ctx.remember(product)
        texts = []
        for section in sections:
            self.ctx.called("shop_policy", {"section": section.title})
            texts.append((section.title, customer.policy_text(self.ctx, section)))
        if self.lang == "en":
            return self._direct("\n\n".join(text for _, text in texts))  # the owner's own words, as written
        asked = {stem(w) for w in tokenize(f"{self.request.query} {self.request.condition}")}
        ordered = _asked_first([text for _, text in texts], asked)
        body = "\n".join(
            f"Shop policy, {title}: {' '.join(s for s, _ in sentences)}"
            for (title, _), sentences in zip(texts, ordered, strict=True)
        )
        answer = self._facts(body, "policies", user_amounts=False)
        named = " ".join(product.name for product in self.ctx.turn.products.values())
        answer.numbers = stated_numbers(f"{body} {named} {self.view.message}")
        rule, weight = ordered[0][0]
        if weight > 0 and (figures := numbers_in(rule)):
            answer.must_state = (rule, frozenset(figures))
        return answer

    def _return_policy(self) -> Execution:
        """A return asked about with no order number ("can I return an opened bag of X?") is first a
        question about the rules: the returns policy answers it (6 of 12 dev policy questions got only
        the ask before), then the order number and email are asked for. The general rule comes first
        (a 1.5B model words mostly the first section, and the model's `condition` is not reliable:
        "can I send back unopened goods?" came as damaged), then the damage rule when damage is read,
        else the section the question's words rank next (refunds when they rank none)."""
        r = self.request
        ask = self._missing_text("task_return", [("order_id", r.order_id), ("order_email", r.email)])
        library = self.services.policies
        first = library.find("return", limit=1)
        if r.condition in ("damaged", "wrong"):
            second = library.find("damaged wrong", limit=1)
        else:
            ranked = [s for s in self._policy_sections() if s.topic == "returns" and s not in first]
            second = ranked[:1] or library.find("refund", limit=1)
        sections = list(dict.fromkeys([*first, *second]))
        if not sections:
            return self._direct(ask)
        policy = self._policy_answer(sections)
        if policy.direct is not None:
            return self._direct(policy.direct + "\n\n" + ask)
        policy.after = ask
        return policy

    def _policy_sections(self) -> list[PolicySection]:
        """The sections that answer the question best, at most MAX_POLICY_SECTIONS.

        A section is scored on the words of the question (its English query, and the message itself),
        and the one the model names counts as much as a topic word: one question often spans two
        sections ("how long does shipping take and is it free?", "my money back on my card, how
        long?"), the model names one heading, and its heading first had answered "how long until my
        refund?" with the return window. A 1.5B model asked for a list of headings listed every one."""
        library = self.services.policies
        score = {s: CHOSEN_SECTION_WEIGHT if s.title == self.request.policy else 0.0 for s in library.sections()}
        texts = [(self.request.query, True), (self.view.message, self.lang == "en")]  # meaning: English only
        for text, by_meaning in texts:
            for section, points in library.scores(text, by_meaning=by_meaning).items():
                score[section] = score.get(section, 0.0) + points  # a policy file edited meanwhile
        ranked = sorted((s for s in score if score[s] > 0), key=lambda s: -score[s])  # stable: file order kept
        best = score[ranked[0]] if ranked else 0.0
        return [s for s in ranked[:MAX_POLICY_SECTIONS] if score[s] >= SECOND_SECTION_SHARE * best]

    def _discount(self) -> Execution:
        """A refusal written by code, in the customer's language, with the real price: a haggle is
        never agreed to, and a model asked to word it quoted the customer's figure back (the owner's
        discount policy follows in English, the language it is written in)."""
        products = self._meant()
        if products:
            product = products[0]
            self.ctx.remember(product, card=True)
            text = say("no_haggle", self.lang, name=product.name, price=money(self.ctx, product.price))
        else:
            text = say("no_discount", self.lang)
        sections = self.services.policies.find("discount price change", limit=1)
        if sections and self.lang == "en":
            self.ctx.called("shop_policy", {"section": sections[0].title})
            text += " " + customer.policy_text(self.ctx, sections[0])
        return self._direct(text)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _asked_first(texts: list[str], asked: set[str]) -> list[list[tuple[str, float]]]:
    """Each section's sentences with their weight, those that share the question's rarer words first
    (stable otherwise).

    The 1.5B model words mostly the first sentence it is given: "posso restituire un pacco di X già
    aperto?" was answered from "Unopened items can be returned within 30 days" as "an opened bag can be
    returned within 30 days" (a dev run); with "Opened food, tea and coffee cannot be returned" first it
    has the rule asked about first. A word counts 1 / the number of the sentences given that have it
    ("return" is in most of them, "opened" in one). Nothing is left out, so the reply check still holds
    the reply to the whole text. The first section's first sentence, when it has weight, is the rule
    asked about: its figures must be in the reply (`Execution.must_state`)."""
    split = [[(sentence, {stem(w) for w in tokenize(sentence)}) for sentence in _SENTENCE_END.split(t.strip())]
             for t in texts]  # fmt: skip
    having: dict[str, int] = {}
    for sentences in split:
        for _, words in sentences:
            for word in words & asked:
                having[word] = having.get(word, 0) + 1
    weighed = [[(s, sum(1 / having[w] for w in words & asked)) for s, words in sentences] for sentences in split]
    return [sorted(sentences, key=lambda item: -item[1]) for sentences in weighed]
