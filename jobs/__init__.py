"""Jobs that run on the backup machine (jobs/Dockerfile) and from an operator's shell: stdlib, boto3, libpq tools."""
