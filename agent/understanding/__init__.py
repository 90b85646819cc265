"""The understanding stage: a customer's message becomes a typed request before anything is done.

`vocabulary` (what this shop's requests can name: categories, attribute filters, policy sections),
`request` (the typed request, its JSON schema and its parsing), `conversation` (what was shown, what
is in focus, what the customer said), `execute` (code runs the request), `phrases` (replies code
writes, in the customer's language), `stage` (the model call that fills the request).
"""
