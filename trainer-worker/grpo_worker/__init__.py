"""GRPO training worker: PyTorch ranks that compute GRPO steps for the trainer service.

The trainer service (Java) owns runs, pacing, Kafka, the database and checkpoint bookkeeping; these
processes only compute. Rank 0 serves the versioned protocol (see ``protocol.py`` and README.md);
the other ranks follow its commands over the process group.
"""

PROTOCOL = "grpo-worker/1"
