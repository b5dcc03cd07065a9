"""shape_feature passes of tensorsmith_rewriter (being written)."""
