"""The shop's domain: catalog, carts, orders, customers, mail, media. All MongoDB access lives here."""
