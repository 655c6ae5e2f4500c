"""The home's scenarios: the directory, and a home holding a card from every domain (bench/home.py)."""

from bench.scenario import Scenario

SCENARIOS = (
    Scenario(
        "home",
        "/api/v1/me/home",
        prepare="bench.home:home_script",
        description="a resident's home with every card and an elder's section: each domain's provider "
        "(a constant number of queries each), the mandates held, the shortcuts",
    ),
    Scenario(
        "services_search",
        "/api/v1/services?q=jiaofei",
        phone="13800000001",
        description="the directory searched in pinyin, ordered by the resident's visits and popularity",
    ),
)
