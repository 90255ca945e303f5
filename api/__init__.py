"""The scoring service and reviewers' store: a FastAPI app over the ``triage`` library.

``api.app.create_app`` builds the service; ``triage serve`` runs it with uvicorn. Business logic (duplicates, issue
assignment, scores) lives in the library's ``Workspace``; this package stores, authorises and answers over HTTP.
"""
