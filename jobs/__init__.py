"""The work of pollbot, free of any face: collection, polls, summaries, commands.

Jobs state what they need as small interfaces (``jobs.platform``, ``jobs.clock``) and
receive the implementations from ``bot``, which wires them.
"""
