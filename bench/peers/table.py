"""The markdown that ``run.py`` writes between the peers' markers of bench/README.md, and the
verdict of modelyard's no-op against the direct-request targets of issue 19."""

from __future__ import annotations

from typing import Any

from report import caveat
from servers import FRAMEWORKS, LABELS, MODELS

MODEL_LABELS = {"noop": "no-op", "lr": "LogisticRegression"}
THROUGHPUT_SHARE_C32 = 0.70
P50_MARGIN_C1_MS = 0.15
P99_C1_MS = 1.0
IDLE_RSS_MIB = 150.0


def section(results: dict[str, Any]) -> str:
    return "\n\n".join([context(results), peers_table(results["peers"]), targets(results)]) + "\n"


def context(results: dict[str, Any]) -> str:
    m, s, envs = results["machine"], results["settings"], results["environments"]
    pins = "; ".join(f"{name}: {', '.join(env['pins'])}" for name, env in envs.items())
    loops = ", ".join(
        f"{name} {'has' if env['uvloop'] and env['httptools'] else 'lacks'} uvloop+httptools"
        for name, env in envs.items()
    )
    dirty = " plus uncommitted changes" if m["dirty"] else ""
    warning = caveat(s, max_other(results["peers"]))
    return "\n".join(
        ([warning] if warning else [])
        + [
            f"- run {results['date']} on {m['nproc']} x {m['cpu_model']}; modelyard at "
            f"{m['commit']}{dirty} on Python {m['python']} (uvloop installed: {m['uvloop']}, "
            f"httptools: {m['httptools']}), its models on Python 3.11",
            f"- peers on Python 3.11 ({pins}); {loops}",
            f"- {s['wrk']}: {s['duration']:g} s per run after a {s['warmup']:g} s warm-up, "
            f"median of {s['rounds']} round(s); c=1 on 1 wrk thread, c=32 on 2; one server at a "
            f"time, wrk on the same {m['nproc']} cores",
            f"- 1-minute load average {m['loadavg_before']:.2f} before, "
            f"{m['loadavg_after']:.2f} after; other processes used at most "
            f"{max_other(results['peers']):.0%} of the CPUs during a measured run",
        ]
    )


def max_other(measured: dict[str, Any]) -> float:
    """The largest CPU share of processes other than ours in any measured run."""
    return max(
        float(run["other_cpu_share"])
        for peer in measured.values()
        for row in peer["load"].values()
        for run in row["rounds"]
    )


def peers_table(measured: dict[str, Any]) -> str:
    rows = [
        "| server | model | start-up s | idle RSS MiB (started process / all) "
        "| c=1 req/s | c=1 p50 ms | c=1 p99 ms | c=32 req/s | c=32 p50 ms | c=32 p99 ms "
        "| req/s vs bare, c=1 | … c=32 | bad answers |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for model in MODELS:
        bare = measured.get(f"bare-{model}")
        for framework in FRAMEWORKS:
            peer = measured.get(f"{framework}-{model}")
            if peer is not None:
                rows.append(peer_row(peer, bare))
    return "\n".join(rows)


def peer_row(peer: dict[str, Any], bare: dict[str, Any] | None) -> str:
    one, many = peer["load"]["c1"], peer["load"]["c32"]
    shares = ["—", "—"]
    if bare is not None and peer["framework"] != "bare":
        shares = [
            f"{peer['load'][c]['requests_per_second'] / bare['load'][c]['requests_per_second']:.0%}"
            for c in ("c1", "c32")
        ]
    bad = one["bad_responses"] + many["bad_responses"]
    return (
        f"| {LABELS[peer['framework']]} | {MODEL_LABELS[peer['model']]} "
        f"| {peer['startup_s']:.2f} | {peer['rss_main_mib']:.0f} / {peer['rss_all_mib']:.0f} "
        f"| {one['requests_per_second']:,.0f} | {one['p50_ms']:.2f} | {one['p99_ms']:.2f} "
        f"| {many['requests_per_second']:,.0f} | {many['p50_ms']:.2f} | {many['p99_ms']:.2f} "
        f"| {shares[0]} | {shares[1]} | {bad} |"
    )


def verdicts(measured: dict[str, Any]) -> list[dict[str, Any]]:
    """modelyard's no-op against bare's no-op: the direct-request targets of issue 19."""
    ours, bare = measured.get("modelyard-noop"), measured.get("bare-noop")
    if ours is None or bare is None:
        return []
    share = ours["load"]["c32"]["requests_per_second"] / bare["load"]["c32"]["requests_per_second"]
    extra = ours["load"]["c1"]["p50_ms"] - bare["load"]["c1"]["p50_ms"]
    p99 = ours["load"]["c1"]["p99_ms"]
    rss = ours["rss_main_mib"]
    return [
        verdict(
            f"req/s ≥ {THROUGHPUT_SHARE_C32:.0%} of bare, c=32",
            f"{share:.0%}",
            share >= THROUGHPUT_SHARE_C32,
        ),
        verdict(
            f"p50 ≤ bare + {P50_MARGIN_C1_MS} ms, c=1",
            f"{extra:+.2f} ms",
            extra <= P50_MARGIN_C1_MS,
        ),
        verdict(f"p99 < {P99_C1_MS:g} ms, c=1", f"{p99:.2f} ms", p99 < P99_C1_MS),
        verdict(
            f"server idle RSS < {IDLE_RSS_MIB:g} MiB (the server process, not its model instances)",
            f"{rss:.0f} MiB",
            rss < IDLE_RSS_MIB,
        ),
    ]


def verdict(target: str, measured: str, met: bool) -> dict[str, Any]:
    return {"target": target, "measured": measured, "met": met}


def targets(results: dict[str, Any]) -> str:
    rows = ["| issue 19 target, modelyard's no-op | measured | met |", "|---|---:|:---:|"]
    for found in results["targets"]:
        met = "met" if found["met"] else "**not met**"
        rows.append(f"| {found['target']} | {found['measured']} | {met} |")
    return "\n".join(rows)
