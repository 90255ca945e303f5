"""One router per resource; ``ROUTERS`` is the order they appear in the OpenAPI document."""
from . import health, implementations, issues, jobs, keys, reviews, suggestions, themes

ROUTERS = (suggestions.router, themes.router, issues.router, reviews.router, implementations.router, jobs.router,
           keys.router, health.router)
