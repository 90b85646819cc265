"""Finding products: hybrid search, recommendations and the visitor interactions that feed them."""
