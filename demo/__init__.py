"""The demo shop: a deterministic catalog, customers, reviews and a year of orders for a fresh install.

Why generated instead of a fixture file: the demo has to be big enough to make search, recommendations
and forecasting interesting (160 products, ~11k orders, ~1.3k reviews), small enough to seed in seconds,
and scalable on demand (2,000 products must still give 2,000 distinct, believable names). A generator
with a fixed seed gives all three and stays reviewable: the words are data files, each step is a small
function.

Why deterministic: tests, screenshots, docs and forecasting benchmarks must all see the same shop.
Everything random comes from one `random.Random(seed)`, ObjectIds are derived from a hash, and every
datetime is relative to `now` truncated to the day.

Where things are:
- seed.py: `build_demo_shop` / `seed_demo_shop`, the public entry points, and the pipeline's order.
- assortment.py: which products exist; recipes/ (coffee, tea, food, beauty): how each is made and described.
- demand.py: the hidden, learnable demand; orders.py samples the history from it.
- customers.py, reviews.py, products.py (product and inventory documents), images.py (placeholder SVGs).
- data/*.json: every word list and sentence, read through vocabulary.py. Tuning numbers (weights,
  probabilities, price bounds) stay in the code that uses them.
"""
