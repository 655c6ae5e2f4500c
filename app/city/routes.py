"""Public reference data: districts, streets and departments."""

from app.city import services
from app.city.schemas import DepartmentQuerySchema, DepartmentSchema, DistrictSchema
from app.core.api import ApiBlueprint

blp = ApiBlueprint("city", __name__, description="Districts, streets and departments of the city")


@blp.route("/city/districts")
@blp.response(200, DistrictSchema(many=True))
def list_districts():
    """Districts and their streets."""
    return services.list_districts()


@blp.route("/city/departments")
@blp.arguments(DepartmentQuerySchema, location="query")
@blp.response(200, DepartmentSchema(many=True))
def list_departments(args):
    """Departments, optionally those of one district."""
    return services.list_departments(args["district_id"])
