"""Tests of app/middleware."""
