"""The scale-out results as the tables in bench/README.md."""

from __future__ import annotations

from typing import Any


def section(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"Run {results['started'][:16].replace('T', ' ')} UTC, {m['nproc']} CPUs "
        "(shared with other work), PostgreSQL + RabbitMQ + moto S3 on loopback, every process "
        "on this one machine.",
        "",
        "| overhead: no-op model, 2 instances | c | p50 ms | p99 ms | requests/s | "
        "API server CPU ms/request |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key in ("overhead_local", "overhead_celery"):
        row = results[key]
        for c in ("c1", "c32"):
            r = row[c]
            lines.append(
                f"| {row['executor']} | {c[1:]} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
                f"{r['requests_per_second']:,.0f} | {r['server_cpu_ms_per_request']:.2f} |"
            )
    s = results["scaling"]
    one, two = s["one_worker"], s["two_workers"]
    d_ratio = two["direct"]["requests_per_second"] / max(one["direct"]["requests_per_second"], 1e-9)
    b_ratio = two["batch"]["per_second"] / max(one["batch"]["per_second"], 1e-9)
    lines += [
        "",
        "| scaling: model sleeping 50 ms, 2 instances per worker | 1 worker | 2 workers | ratio |",
        "|---|---:|---:|---:|",
        f"| direct requests, c=32 (requests/s) | {one['direct']['requests_per_second']:.1f} | "
        f"{two['direct']['requests_per_second']:.1f} | {d_ratio:.2f}x |",
        f"| batch drain of {one['batch']['count']:,} (requests/s) | "
        f"{one['batch']['per_second']:.1f} | {two['batch']['per_second']:.1f} | {b_ratio:.2f}x |",
        f"| instances per worker with 2 workers | | {s['spread']} | |",
    ]
    z = results["zero_loss"]
    lines += [
        "",
        f"| zero loss: {z['count']:,} batch requests, no-op model, 2 workers, one killed "
        "(SIGKILL to its process group) at 30% | value |",
        "|---|---:|",
        f"| completed | {z['completed']:,} |",
        f"| wrong result | {z['wrong']} |",
        f"| lost (accepted, no row) / not completed | {z['lost']} / {z['not_completed']} |",
        f"| recorded twice | {z['recorded'] - z['count']} |",
        f"| jobs run again (attempts > 1) | {z['run_again']} |",
        f"| time to finish after the kill | {z['seconds_after_kill']:.1f} s |",
    ]
    c = results["cold_start"]
    lines += [
        "",
        "| cold start from zero instances (celery) | value |",
        "|---|---:|",
        f"| first direct request (placement, instance start, answer) | "
        f"{c['first_request_s']:.2f} s |",
        f"| warm request after it, p50 | {c['warm_p50_ms']:.1f} ms |",
        "",
        f"Target (DESIGN §7, issue 20): 2 workers ≥ 1.8x one on a model that sleeps: direct "
        f"{'**met**' if d_ratio >= 1.8 else '**not met**'} ({d_ratio:.2f}x), batch "
        f"{'**met**' if b_ratio >= 1.8 else '**not met**'} ({b_ratio:.2f}x); no request lost: "
        f"{'**met**' if z['lost'] == 0 and z['not_completed'] == 0 else '**not met**'}.",
    ]
    if "load" in results:
        names = {
            "overhead_local": "overhead, local",
            "overhead_celery": "overhead, celery",
            "cold_start": "cold start",
            "scaling": "scaling",
            "zero_loss": "zero loss",
        }
        lines += [
            "",
            f"Machine load while each part ran ({m['nproc']} CPUs; sampled once a second, "
            "the bench's own processes included):",
            "",
            "| part | seconds | 1-minute load average: min | mean | max |",
            "|---|---:|---:|---:|---:|",
        ]
        for key, part in results["load"].items():
            lines.append(
                f"| {names.get(key, key)} | {part['seconds']:.0f} | {part['loadavg_min']:.2f} | "
                f"{part['loadavg_mean']:.2f} | {part['loadavg_max']:.2f} |"
            )
    return "\n".join(lines)
