"""The Wandr CDK app: one construct per component, stacks that compose them (see app.py)."""
