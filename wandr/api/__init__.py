"""The HTTP API's library side: models, errors, filters, routing, OpenAPI, exports.

functions/api/app.py only declares routes; everything a route needs to parse, authorise,
validate and shape its answer lives here, so the same code is unit-tested without HTTP and
documented in one OpenAPI document.
"""
