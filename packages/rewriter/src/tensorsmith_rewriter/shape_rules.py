"""shape_rules passes of tensorsmith_rewriter (being written)."""
