"""Sync definitions: YAML loading, interpolation, schema and semantic checks."""
