"""The understanding stage: a customer's message becomes a typed request before anything is done.

`vocabulary` (what this shop's requests can name: categories, attribute filters, policy sections),
`request` (the typed request, its JSON schema and its parsing), `conversation` (what was shown, what
is in focus, what the customer said), `execute` (code runs the request: products, the cart,
checkout), `order_steps` (placed orders, returns), `policy_answers` (policy questions, haggles),
`execution` (what those steps share), `stage` (the model call that fills the request).
"""
