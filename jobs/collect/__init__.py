"""Job ``collect``: the replies addressed to each tracked account, the posts (and polls) it
makes, and the whole conversation of each open tracked poll, scored and stored exactly once.

``job`` runs over the subjects of one platform; how their replies are read is the
platform's: searched page by page on X (``search``), read a conversation at a time on
Mastodon (``threads``). ``shared`` holds what both do the same way.
"""

from jobs.collect.job import CollectJob, collection_order

__all__ = ["CollectJob", "collection_order"]
