"""Operator and developer tools beside the service: benchmarks, demo data, long checks."""
