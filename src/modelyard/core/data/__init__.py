"""Data: blobs (files uploaded for requests, kept for a time to live); datasets come later."""
