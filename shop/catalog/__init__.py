"""The catalog: products, their in-process snapshot, the owner's product management and images."""
