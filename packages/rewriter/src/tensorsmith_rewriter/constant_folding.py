"""constant_folding passes of tensorsmith_rewriter (being written)."""
