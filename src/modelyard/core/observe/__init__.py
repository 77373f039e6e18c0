"""Observe: log lines, metrics and usage, and the audit log of every change."""
