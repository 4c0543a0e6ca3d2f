"""The reviews context as its own Django project: ``services.reviews.settings``."""
