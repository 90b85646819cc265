"""Shipping and tax: structured addresses, the owner's zones, rates and tax rates, and quotes."""
