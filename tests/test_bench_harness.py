"""The pure parts of bench/run.py: reading wrk's output and turning rounds into ratios (no timings)."""

import pytest

from bench.run import (
    BenchError,
    Pair,
    WrkResult,
    baseline_first,
    chosen_scenarios,
    cpu_per_request,
    lua_string,
    parse_args,
    parse_duration_ms,
    parse_proc_stat_cpu,
    parse_wrk_output,
    round_ratios,
    summarize,
    wrk_script,
)

CLEAN_RUN = """\
Running 10s test @ http://127.0.0.1:41235/
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.83ms  591.32us  17.24ms   90.91%
    Req/Sec     2.70k   294.91     2.90k    93.07%
  Latency Distribution
     50%    5.73ms
     75%    5.95ms
     90%    6.20ms
     99%    8.50ms
  53165 requests in 10.10s, 8.48MB read
Requests/sec:   5263.87
Transfer/sec:    860.12KB
"""

TROUBLED_RUN = """\
Running 10s test @ http://127.0.0.1:41236/api/v1/me
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   812.00us    1.10s    4.99s    97.50%
    Req/Sec   401.22    120.00   700.00     70.00%
  Latency Distribution
     50%  812.00us
     75%   20.50ms
     90%  300.00ms
     99%    1.20s
  8011 requests in 10.02s, 1.20MB read
  Socket errors: connect 0, read 3, write 0, timeout 12
  Non-2xx or 3xx responses: 17
Requests/sec:    799.50
Transfer/sec:    122.40KB
"""


def test_a_clean_run_gives_requests_per_second_and_percentiles_in_milliseconds():
    result = parse_wrk_output(CLEAN_RUN)

    assert result.requests_per_sec == 5263.87
    assert result.requests == 53165
    assert result.latency_ms == {50: 5.73, 75: 5.95, 90: 6.20, 99: 8.50}
    assert (result.p50, result.p99) == (5.73, 8.50)
    assert result.non_2xx_3xx == 0
    assert result.socket_errors == {}


def test_errors_and_other_time_units_are_read():
    result = parse_wrk_output(TROUBLED_RUN)

    assert result.requests_per_sec == 799.5
    assert result.p50 == pytest.approx(0.812)
    assert result.latency_ms[90] == pytest.approx(300.0)
    assert result.p99 == pytest.approx(1200.0)
    assert result.non_2xx_3xx == 17
    assert result.socket_errors == {"connect": 0, "read": 3, "write": 0, "timeout": 12}


def test_a_script_that_judges_responses_gives_its_outcomes():
    assert parse_wrk_output(CLEAN_RUN).outcomes is None  # a plain run judges by status only
    judged = parse_wrk_output(CLEAN_RUN + "outcomes: 53160 good, 5 bad\n")
    assert judged.outcomes == (53160, 5)


def test_a_run_with_a_bad_outcome_is_refused(monkeypatch):
    import subprocess

    from bench import run

    def wrk(output):
        return lambda *args, **kwargs: subprocess.CompletedProcess(args, 0, stdout=output, stderr="")

    target, settings = run.Target("home", "http://127.0.0.1:1/"), run.LoadSettings()
    monkeypatch.setattr(run.subprocess, "run", wrk(CLEAN_RUN + "outcomes: 53160 good, 5 bad\n"))
    with pytest.raises(BenchError, match="5 of 53165 responses"):
        run.run_wrk(target, settings, 1)
    monkeypatch.setattr(run.subprocess, "run", wrk(CLEAN_RUN + "outcomes: 0 good, 0 bad\n"))
    with pytest.raises(BenchError):
        run.run_wrk(target, settings, 1)
    monkeypatch.setattr(run.subprocess, "run", wrk(CLEAN_RUN + "outcomes: 53165 good, 0 bad\n"))
    assert run.run_wrk(target, settings, 1).outcomes == (53165, 0)


@pytest.mark.parametrize(
    "output",
    [
        "",
        "unable to connect to 127.0.0.1:1 Connection refused\n",
        CLEAN_RUN.replace("Requests/sec:   5263.87\n", ""),
        CLEAN_RUN.replace("     99%    8.50ms\n", ""),  # run without --latency or cut short
    ],
)
def test_output_without_the_figures_is_refused(output):
    with pytest.raises(BenchError):
        parse_wrk_output(output)


def test_a_time_without_a_known_unit_is_refused():
    assert parse_duration_ms("2m") == 120_000.0
    with pytest.raises(BenchError):
        parse_duration_ms("12xs")


def _result(rps: float, p50: float = 5.0, p99: float = 10.0) -> WrkResult:
    return WrkResult(requests_per_sec=rps, requests=int(rps * 10), latency_ms={50: p50, 99: p99})


def test_the_figure_is_the_median_of_per_round_ratios_not_the_ratio_of_medians():
    rounds = [
        {"me": Pair(endpoint=_result(1000, p99=40), baseline=_result(5000, p99=9))},  # 0.20
        {"me": Pair(endpoint=_result(1200, p99=50), baseline=_result(3000, p99=14))},  # 0.40, a noisy round
        {"me": Pair(endpoint=_result(1250, p99=30), baseline=_result(5000, p99=8))},  # 0.25
    ]

    assert round_ratios(rounds, "me") == pytest.approx([0.20, 0.40, 0.25])
    summary = summarize(rounds, "me")
    assert summary.ratio == pytest.approx(0.25)
    assert (summary.ratio_min, summary.ratio_max) == pytest.approx((0.20, 0.40))
    assert summary.requests_per_sec == 1200
    assert summary.baseline_requests_per_sec == 5000
    assert (summary.p99_ms, summary.baseline_p99_ms) == (40, 9)
    # the mean of the ratios would say 0.283, the ratio of the medians 1200 / 5000 = 0.24


def test_an_even_number_of_rounds_takes_the_middle_ratios_mean():
    rounds = [{"x": Pair(_result(r), _result(1000))} for r in (100, 400, 200, 300)]

    assert summarize(rounds, "x").ratio == pytest.approx(0.25)


def test_worker_cpu_time_is_read_from_proc_stat_even_with_odd_process_names():
    stat = "4242 (gunicorn: worker [a) b]) S 4240 4240 4240 0 -1 4194560 1234 0 0 0 250 40 0 0 20 0 1 0 77"

    assert parse_proc_stat_cpu(stat, ticks_per_second=100) == pytest.approx(2.9)  # utime 250 + stime 40


def test_cpu_per_request_counts_every_worker_and_gives_up_when_one_restarted():
    before = {11: 1.00, 12: 2.00}

    assert cpu_per_request(before, {11: 1.50, 12: 2.25}, requests=500) == pytest.approx(1.5)  # ms
    assert cpu_per_request(before, {11: 1.50, 13: 0.10}, requests=500) is None
    assert cpu_per_request(None, {11: 1.50}, requests=500) is None


def test_the_cpu_ratio_compares_cost_per_request_and_needs_it_in_every_round():
    def measured(rps, cpu_ms):
        result = _result(rps)
        result.cpu_ms_per_request = cpu_ms
        return result

    rounds = [
        {"me": Pair(endpoint=measured(900, 2.0), baseline=measured(4000, 0.40))},  # 0.20
        {"me": Pair(endpoint=measured(700, 1.6), baseline=measured(2000, 0.40))},  # 0.25
        {"me": Pair(endpoint=measured(800, 1.8), baseline=measured(3000, 0.54))},  # 0.30
    ]

    summary = summarize(rounds, "me")
    assert summary.cpu_ratio == pytest.approx(0.25)
    assert (summary.cpu_ms_per_request, summary.baseline_cpu_ms_per_request) == (1.8, 0.40)
    rounds[1]["me"].endpoint.cpu_ms_per_request = None
    assert summarize(rounds, "me").cpu_ratio is None


def test_the_baseline_and_the_endpoint_take_turns_going_first():
    assert [baseline_first(i) for i in range(4)] == [True, False, True, False]


def test_post_bodies_become_lua_literals_with_every_unsafe_byte_escaped():
    assert lua_string('{"a":"é"}\n') == '"{\\034a\\034:\\034\\195\\169\\034}\\010"'
    assert lua_string("a\\b") == '"a\\092b"'
    assert wrk_script("POST", '{"x":1}') == 'wrk.method = "POST"\nwrk.body = "{\\034x\\034:1}"\n'


def test_named_scenarios_and_a_path_of_ones_own_can_be_combined():
    chosen = chosen_scenarios(parse_args(["healthz", "--path", "/api/v1/city/departments"]))

    assert [(s.name, s.path) for s in chosen] == [
        ("healthz", "/healthz"),
        ("custom", "/api/v1/city/departments"),
    ]


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["nosuch"],
        ["healthz", "--phone", "13800000001"],  # a token for which request?
        ["--path", "api/v1/me"],
        ["--path", "/x", "--name", "baseline"],
    ],
)
def test_unclear_requests_are_refused(argv):
    with pytest.raises(BenchError):
        chosen_scenarios(parse_args(argv))


def test_the_served_app_and_the_signing_commands_agree_on_token_lifetimes():
    from app.identity.tokens import MAX_ACCESS_TOKEN_SECONDS
    from bench.run import MAX_TOKEN_SECONDS, app_environment

    assert MAX_TOKEN_SECONDS == MAX_ACCESS_TOKEN_SECONDS
    env = app_environment("sqlite:////tmp/x.db", None)
    assert env["ACCESS_TOKEN_TTL_SECONDS"] == str(MAX_ACCESS_TOKEN_SECONDS)


def test_a_floor_is_loaded_on_the_baseline_server_and_every_other_scenario_on_the_app(tmp_path):
    from bench.run import SCENARIOS, Server, build_targets

    app, bare = Server("http://127.0.0.1:1", 11), Server("http://127.0.0.1:2", 22)
    floors = [s for s in SCENARIOS.values() if s.name.startswith("floor_")]
    assert {s.served_by for s in floors} == {"bare"}
    targets = build_targets([SCENARIOS["me"], *floors], app, bare, {"13800000001": "t"}, tmp_path)
    assert [(t.url.split("/")[2], t.server_pid) for t in targets[1:]] == [("127.0.0.1:1", 11)] + [
        ("127.0.0.1:2", 22)
    ] * len(floors)


@pytest.mark.postgres
def test_a_floor_does_the_statements_and_commits_it_names(monkeypatch):
    """The bare app's floors on the suite's database: reads answer, writes insert as many rows as named."""
    import os

    from bench import bare_app
    from tests.databases import fresh_database

    monkeypatch.setenv("DATABASE_URL", fresh_database(os.environ["DATABASE_URL"], "floors"))
    monkeypatch.setattr(bare_app, "_connection", {})
    client = bare_app.app.test_client()
    try:
        assert client.get("/floor/read?statements=2").get_json()["statements"] == 2
        connection = bare_app._connection["connection"]

        def rows() -> int:
            return connection.execute(f"SELECT count(*) FROM {bare_app.FLOOR_TABLE}").fetchone()[0]  # noqa: S608

        before = rows()
        answer = client.post("/floor/write?statements=8&commits=3")
        assert answer.status_code == 201 and answer.get_json() == {"statements": 8, "commits": 3}
        assert rows() == before + 8
        assert client.post("/floor/write?statements=2&commits=3").status_code == 400
        assert client.post("/floor/write?statements=0").status_code == 400
    finally:
        if "connection" in bare_app._connection:
            bare_app._connection["connection"].close()
