"""The read API: the public catalogue as JSON under /api/v1/, described by an OpenAPI 3.1
document, with its human documentation at /api/."""
