"""Stacks compose components and wire their permissions; see infra/app.py for the order."""
