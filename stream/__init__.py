"""Thin wiring around the rule book: event logs, the Faust app, the CLI."""
