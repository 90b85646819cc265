"""The owner's admin: sign-in, products, orders, reviews, inbox, inventory, analytics and the owner's chat."""
