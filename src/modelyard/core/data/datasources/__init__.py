"""Sample datasets and their datasources: where a dataset's raw files live (a local directory,
an S3 bucket, a GCS bucket, an Azure container), verified and listed through fsspec."""
