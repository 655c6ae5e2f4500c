"""How districts, streets and departments appear in the API."""

import marshmallow as ma


class StreetSchema(ma.Schema):
    """A street (街道)."""

    id = ma.fields.UUID(dump_only=True)
    code = ma.fields.String(dump_only=True)
    name = ma.fields.String(dump_only=True)


class DistrictSchema(ma.Schema):
    """A district with its streets."""

    id = ma.fields.UUID(dump_only=True)
    code = ma.fields.String(dump_only=True)
    name = ma.fields.String(dump_only=True)
    streets = ma.fields.List(ma.fields.Nested(StreetSchema), dump_only=True)


class DepartmentSchema(ma.Schema):
    """A department that handles requests."""

    id = ma.fields.UUID(dump_only=True)
    code = ma.fields.String(dump_only=True)
    name = ma.fields.String(dump_only=True)
    district_id = ma.fields.UUID(dump_only=True, allow_none=True)


class DepartmentQuerySchema(ma.Schema):
    """Filter departments by district."""

    district_id = ma.fields.UUID(load_default=None)
