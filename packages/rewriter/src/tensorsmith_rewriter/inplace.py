"""inplace passes of tensorsmith_rewriter (being written)."""
