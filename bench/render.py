"""The markdown written between the result markers of bench/README.md."""

from __future__ import annotations

from typing import Any

LABELS = {
    "bare": "bare FastAPI echo",
    "modelyard-max2": "modelyard, maximum_instances 2",
    "modelyard-max1": "modelyard, maximum_instances 1",
}


def section(results: dict[str, Any]) -> str:
    """Context line, load table, targets table, build and cold-start table."""
    parts = [context(results), load_table(results["load"])]
    parts.append(targets_table(results["targets"]))
    parts.append(startup_table(results["builds"], results["cold_start"]))
    return "\n\n".join(parts) + "\n"


def context(results: dict[str, Any]) -> str:
    """Where, what and how: the lines above the tables."""
    m, s = results["machine"], results["settings"]
    loop = "uvloop" if m["uvloop"] else "asyncio"
    http = "httptools" if m["httptools"] else "h11"
    dirty = " plus uncommitted changes" if m["dirty"] else ""
    return "\n".join(
        [
            f"- run {results['date']} on {m['nproc']} x {m['cpu_model']} ({m['platform']})",
            f"- code at {m['commit']}{dirty}; server Python {m['python']}, model instances "
            f"Python {results['instance_python']}; both servers one uvicorn process "
            f"(loop {loop}, http {http}, log_level warning)",
            f"- {s['wrk']}: {s['duration']:g} s per run after a {s['warmup']:g} s warm-up, "
            f"median of {s['rounds']} round(s); c=1 on 1 wrk thread, c=32 on 2; wrk shares "
            f"the {m['nproc']} cores with the server under test in every row",
            f"- other work on the machine: 1-minute load average {m['loadavg_before']:.2f} "
            f"before the run, {m['loadavg_after']:.2f} after it; other processes used at most "
            f"{max_other_share(results['load']):.0%} of the CPUs during any measured run",
        ]
    )


def max_other_share(load: dict[str, dict[str, Any]]) -> float:
    """The largest CPU share of processes other than ours in any measured round."""
    return max(run["other_cpu_share"] for row in load.values() for run in row["rounds"])


def load_table(load: dict[str, dict[str, Any]]) -> str:
    rows = [
        "| endpoint | c | req/s | p50 ms | p99 ms | req/s vs bare | p50 vs bare "
        "| CPU ms/req: server | … instances | other processes, % of CPUs | bad answers |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, row in load.items():
        bare = load.get(f"bare-c{row['connections']}")
        share = extra = "—"
        if bare is not None and not key.startswith("bare"):
            share = f"{row['requests_per_second'] / bare['requests_per_second']:.0%}"
            extra = f"{row['p50_ms'] - bare['p50_ms']:+.2f} ms"
        rows.append(
            f"| {LABELS[row['scenario']]} | {row['connections']} "
            f"| {row['requests_per_second']:,.0f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} "
            f"| {share} | {extra} | {row['server_cpu_ms_per_request']:.2f} "
            f"| {row['instance_cpu_ms_per_request']:.2f} | {row['other_cpu_share']:.0%} "
            f"| {row['bad_responses']} |"
        )
    return "\n".join(rows)


def targets_table(targets: list[dict[str, Any]]) -> str:
    rows = ["| DESIGN §7 target | measured | met |", "|---|---:|:---:|"]
    for target in targets:
        met = {True: "yes", False: "**no**", None: "—"}[target["met"]]
        rows.append(f"| {target['target']} | {target['measured']} | {met} |")
    return "\n".join(rows)


def startup_table(builds: dict[str, Any], cold: dict[str, Any]) -> str:
    cached = ", ".join(f"{value:.2f}" for value in builds["cached_s"])
    rows = [
        "| build and start (no-op model) | seconds |",
        "|---|---:|",
        f"| first build, new environment, no requirements | {builds['first_plain_s']:.2f} |",
        f"| first build, new environment, `six==1.16.0` | {builds['first_six_s']:.2f} |",
        f"| cached build, `six==1.16.0` again, upload → available (median of {cached}) "
        f"| {builds['cached_median_s']:.2f} |",
        f"| cold start: first request - warm request | {cold['cold_start_s']:.3f} |",
        f"| … first request to a version with minimum_instances 0 | {cold['first_s']:.3f} |",
        f"| … warm request (median of {cold['warm_count']}) | {cold['warm_median_s']:.4f} |",
        f"| … for scale: `python -c pass` in the version's environment "
        f"| {cold['interpreter_start_s']:.3f} |",
    ]
    return "\n".join(rows)
