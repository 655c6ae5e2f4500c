"""The floors: a request's database shape done by bare Flask and the bare driver (bench/bare_app.py).

Each floor has the statements and commits of one of the hot paths (counted by ``tests/test_statements.py``),
so its ratio to the baseline bounds what that path can reach on this machine with any framework above
the driver: ``me`` and the buffered ``citycode_verify`` read two rows; ``bill_pay`` is eight
statements in two transactions; ``complaint_intake`` sixteen in one. Reads are by primary key; writes
are one-row inserts (the app's writes also update indexes, take locks and check constraints the floor
does not, so a floor is generous). PostgreSQL only.
"""

from bench.scenario import Scenario

SCENARIOS = (
    Scenario(
        "floor_read2",
        "/floor/read?statements=2",
        served_by="bare",
        description="the floor of me and citycode_verify: two one-row reads through the bare driver",
    ),
    Scenario(
        "floor_write1",
        "/floor/write?statements=1&commits=1",
        method="POST",
        body="{}",
        expect=201,
        served_by="bare",
        description="the floor of any write: one insert, one commit, through the bare driver",
    ),
    Scenario(
        "floor_pay",
        "/floor/write?statements=8&commits=2",
        method="POST",
        body="{}",
        expect=201,
        served_by="bare",
        description="the floor of bill_pay: eight statements in two committed transactions",
    ),
    Scenario(
        "floor_intake",
        "/floor/write?statements=16&commits=1",
        method="POST",
        body="{}",
        expect=201,
        served_by="bare",
        description="the floor of complaint_intake: sixteen statements in one committed transaction",
    ),
)
