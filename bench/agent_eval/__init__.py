"""The understanding bench: >= 200 conversations generated from templates over the LIVE catalog, scored in code.

Why it exists: the hand-written 42-scenario suite it replaces (bench/agent_scenarios.py) named its products, so the
agent could be fitted to it, and it did not predict how the assistant treats customers it has never
met (issue 12: 46 % on an independent held-out suite). Here every product, price, cap, sold-out item,
supplier and constraint is drawn at run time from the shop's own services with a seeded RNG, phrased
in several styles and six languages, and each turn is judged by checks computed from the shop's state
(the cart, the orders, the prices, the products shown by id) rather than from the reply's wording.

Modules:
- `vocab`      slot values per language (shelves, constraints, origins, identities, words lists);
- `catalog`    a read-only view of the catalog, the product-name matcher and the money parser;
- `language`   the stop-word language guess used by the reply-language check;
- `policy`     facts read from docs/policies (return window, refund time, delivery time, ...);
- `phrasings`  the message templates (data/phrasings.json): >= 5 per intent, styles terse / typo /
               polite / mixed / buried;
- `model`      conversations, turns, observations and findings (plain data);
- `checks`     the check functions, the always-on ones (wrong writes, invented facts, language) included;
- `scenarios`  builds the conversations from the templates and the catalog; the dev / test split;
- `runner`     drives `agent.service.ChatAgent.stream`, captures the shop's state, scores, reports.

Run it with ``python -m bench.agent_eval --help``.
"""
