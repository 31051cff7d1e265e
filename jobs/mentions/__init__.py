"""Operator commands by mention: parsed (pure), checked against the operators (one filter),
run, and answered once."""
