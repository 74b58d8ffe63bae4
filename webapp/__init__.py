"""Data steward workbench and golden-record API: one FastAPI app for Airflow and ``crmhub serve``."""

from webapp.app import create_app

__all__ = ["create_app"]
