"""Carts, placing orders and the owner's order management."""
