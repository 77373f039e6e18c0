"""Durable work: the job queue (enqueue in the caller's transaction, lease-based claims)."""
