"""The HTTP layer: the aiohttp application, its dispatcher and one module per route family.

Handlers read the request, call the domain, and answer with the wire layer's encoders.
"""
