"""Schemas of the kernel's own endpoints."""

import marshmallow as ma


class HealthSchema(ma.Schema):
    """Liveness or readiness and the state of each dependency."""

    status = ma.fields.String(required=True)
    checks = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())


class ProblemTypeSchema(ma.Schema):
    """One problem type of the API."""

    type = ma.fields.String(required=True)
    code = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
