"""Two dispatchers acting on one complaint at the same moment, on PostgreSQL with real connections."""

import threading

import pytest
import sqlalchemy as sa

from app.city.models import Department
from app.complaints import services
from app.complaints.models import Category
from app.core.actors import Actor, ActorKind
from app.extensions import db
from app.identity import services as identity
from app.identity import tokens

pytestmark = pytest.mark.postgres

ROUNDS = 5


@pytest.fixture
def dispatchers(committed):
    """Committed complaints and two dispatchers (threads cannot see a rolled-back test transaction)."""

    def make():
        category = Category(
            code="T9", name_zh_hans="测试", name_zh_hant="測試", name_en="Test", sla_class="general"
        )
        departments = [Department(code=f"conc-{x}", name_zh_hans=x, name_zh_hant=x, name_en=x) for x in "ab"]
        db.session.add_all([category, *departments])
        people = []
        for n in range(2):
            person, _ = identity.get_or_create_person(f"+8613700000{n:03d}", f"派单员{n}")
            identity.grant_role(Actor.system(), person, "dispatcher")
            people.append(person)
        reporter, _ = identity.get_or_create_person("+8613700000999", "居民")
        complaints = [
            services.submit_complaint(
                Actor(kind=ActorKind.PERSON, person_id=reporter.id),
                services.Intake(category_code="T9", description=f"并发测试诉求 {i}", address="某地"),
            )
            for i in range(ROUNDS)
        ]
        db.session.flush()
        headers = [
            {"Authorization": "Bearer " + tokens.issue_access_token(p, client_id="test", scopes=["openid"])}
            for p in people
        ]
        return [c.id for c in complaints], {c.id: c.version for c in complaints}, headers

    return committed.run(make)


def test_one_dispatcher_wins_the_other_gets_409(committed, dispatchers):
    ids, versions, headers = dispatchers
    app = committed.app
    for complaint_id in ids:
        barrier = threading.Barrier(2)
        results: list[int] = []

        def dispatch(auth, department, complaint_id=complaint_id, barrier=barrier, results=results):
            client = app.test_client()
            barrier.wait()
            response = client.post(
                f"/api/v1/staff/complaints/{complaint_id}/dispatch",
                json={"version": versions[complaint_id], "department_code": department},
                headers=auth,
            )
            results.append(response.status_code)

        threads = [
            threading.Thread(target=dispatch, args=(headers[0], "conc-a")),
            threading.Thread(target=dispatch, args=(headers[1], "conc-b")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(results) == [200, 409]
    with app.app_context():
        dispatched = db.session.execute(
            sa.text(
                "SELECT complaint_id, count(*) FROM complaint_events "
                "WHERE kind = 'dispatched' AND complaint_id = ANY(:ids) GROUP BY complaint_id"
            ),
            {"ids": ids},
        ).all()
        assert sorted(count for _, count in dispatched) == [1] * ROUNDS
