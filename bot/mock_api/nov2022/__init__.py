"""The hand-written material of ``builtin:nov-2022`` and the script that lays it out."""
