"""`apiops validate`: OpenAPI documents, customer.yaml and apiops.yaml, checked offline.

Only `spec` imports openapi-spec-validator, and only when a document is not in the
verdict cache.
"""
