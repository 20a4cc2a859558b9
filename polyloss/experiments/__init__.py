"""The paper's experiments: one module each, config dataclass -> results saved to disk."""
