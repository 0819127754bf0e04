"""What each command does, below the CLI: plain functions from settings and inputs to a result value.

A use case never imports click, never prints and never exits: what it needs from the person or job
running it (a confirmation, progress, warnings) comes in as callables, and what it found goes back
as a frozen result. The CLI (:mod:`reconciler.cli`) parses flags, builds the client factory, calls
one of these, renders the result and picks the exit code.
"""
