"""Returns and exchanges (RMA): the policy decision, the lifecycle, refunds, return labels."""
