"""Payments: the methods a shop offers (offline, Stripe, PayPal), webhooks, refunds and the release of unpaid orders."""
