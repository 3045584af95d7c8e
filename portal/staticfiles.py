"""How static files are stored for serving: hashed names (so they can be cached for a year),
compressed copies, and the scripts' own `import` paths rewritten to the hashed names, so the
modules a page's script imports are cached as long as the rest."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedStaticFiles(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
