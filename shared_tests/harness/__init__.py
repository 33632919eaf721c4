"""Test harness shared by every generic test: op catalogue, framework adapters, oracles."""
