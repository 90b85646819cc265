"""What belongs to a visitor beyond one order: wishlists (accounts and loyalty will join here)."""
