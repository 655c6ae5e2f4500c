"""Routing time with 1,000 rules, against 10 rules in the same run (pure engine, no database).

Run: .venv/bin/python -m bench.complaint_routing
"""

import random
import statistics
import time

from app.complaints.routing import ComplaintFacts, RoutingRule, RuleSet

CATEGORIES = [f"{a:02d}{b:02d}" for a in range(1, 21) for b in range(1, 11)]
DISTRICTS = [f"5201{n:02d}" for n in range(1, 16)]
WORDS = ["噪音", "施工", "路灯", "停水", "停电", "占道", "垃圾", "异味", "电梯", "物业", "价格", "油烟"]


def make_rules(count: int, rng: random.Random) -> list[RoutingRule]:
    rules = []
    for number in range(1, count + 1):
        rules.append(
            RoutingRule(
                number=number,
                name=f"rule {number}",
                department_code=f"dept-{number % 40}",
                priority=rng.randint(0, 20),
                category_prefixes=(rng.choice(CATEGORIES)[: rng.choice((2, 4))],),
                district_codes=tuple(rng.sample(DISTRICTS, rng.randint(0, 2))),
                keywords=tuple(rng.sample(WORDS, rng.randint(0, 2))),
            )
        )
    return rules


def make_facts(count: int, rng: random.Random) -> list[ComplaintFacts]:
    return [
        ComplaintFacts(
            category_code=rng.choice(CATEGORIES),
            district_code=rng.choice(DISTRICTS),
            text="".join(rng.sample(WORDS, 3)) + "，请尽快处理",
        )
        for _ in range(count)
    ]


def per_route_us(rules: RuleSet, facts: list[ComplaintFacts]) -> float:
    start = time.perf_counter()
    for fact in facts:
        rules.route(fact)
    return (time.perf_counter() - start) / len(facts) * 1e6


def main() -> None:
    rng = random.Random(12345)
    facts = make_facts(20_000, rng)
    small, large = RuleSet(make_rules(10, rng)), RuleSet(make_rules(1000, rng))
    rounds = []
    for _ in range(5):
        rounds.append((per_route_us(small, facts), per_route_us(large, facts)))
    small_us = statistics.median(r[0] for r in rounds)
    large_us = statistics.median(r[1] for r in rounds)
    ratio = statistics.median(r[1] / r[0] for r in rounds)
    print(f"10 rules:    {small_us:8.2f} us per complaint")
    print(f"1000 rules:  {large_us:8.2f} us per complaint")
    print(f"ratio 1000/10 (median of 5 rounds): {ratio:.2f}")


if __name__ == "__main__":
    main()
