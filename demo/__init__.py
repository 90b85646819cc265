"""The demo shop generator: a deterministic catalog, customers, reviews and a year of orders for a fresh install."""
