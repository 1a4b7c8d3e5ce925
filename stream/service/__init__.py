"""The streaming service: the Faust app, its stages and what only the worker runs.

Tools (CLI, generator, bench, replay) import from here; nothing here imports them."""
