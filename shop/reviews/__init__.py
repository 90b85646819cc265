"""Product reviews: writing and reading them, moderation, and the local summary of what reviewers say."""
