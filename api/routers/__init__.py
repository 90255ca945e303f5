"""One router per resource; ``ROUTERS`` is the order they appear in the OpenAPI document."""
from . import health, issues, jobs, keys, reviews, suggestions

ROUTERS = (suggestions.router, issues.router, reviews.router, jobs.router, keys.router, health.router)
