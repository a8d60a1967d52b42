"""Benchmark results as Markdown: medians, ranges, peak memory, ratios."""

from __future__ import annotations

import statistics


def _row(seconds: list[float], peak: list[float], load: list[float], cpu: list[float] = ()) -> dict:
    return {
        "median": statistics.median(seconds),
        "cpu": statistics.median(cpu) if cpu else float("nan"),
        "low": min(seconds),
        "high": max(seconds),
        "runs": len(seconds),
        "peak_mib": max(peak) if peak else float("nan"),
        "load": statistics.median(load) if load else float("nan"),
    }


def summary(results: dict) -> dict[str, dict]:
    """One row per measured quantity: ``{name: {median, low, high, runs, peak_mib, load}}``."""
    rows: dict[str, dict] = {}
    cases = results["cases"]
    for case in ("book", "book-registry", "rebuild", "plain", "plain-rebuild"):
        runs = cases.get(case)
        if not runs:
            continue
        peak = [r["tree_rss_mib"] for r in runs]
        load = [r["load"] for r in runs]
        cpu = [r.get("cpu_seconds", float("nan")) for r in runs]
        rows[f"{case}: total"] = _row([r["seconds"] for r in runs], peak, load, cpu)
        parts = [r["child"].get("parts", {}) for r in runs]
        jb = [p["jupyter-book"] for p in parts if "jupyter-book" in p]
        if jb:
            rows[f"{case}: Jupyter Book (Sphinx), once the notebooks are done"] = _row(jb, [], load)
        notebooks = [sum(v for k, v in p.items() if k != "jupyter-book") for p in parts]
        rows[f"{case}: notebooks (sum of per-notebook wall times)"] = _row(notebooks, [], load)
        executed = {len(r["child"].get("executed", [])) for r in runs}
        rows[f"{case}: total"]["note"] = f"{'/'.join(map(str, sorted(executed)))} executed"
    for n, runs in cases.get("scale", {}).items():
        load = [r["load"] for r in runs]
        children = [r["child"] for r in runs]
        peak = [c["peak_rss_mib"] for c in children]
        rows[f"scale {int(n):,}: all core analyses"] = _row(
            [c["seconds"] for c in children],
            peak,
            load,
            [c.get("cpu_seconds", float("nan")) for c in children],
        )
        for step in children[0]["steps"]:
            rows[f"scale {int(n):,}: {step}"] = _row(
                [c["steps"][step]["seconds"] for c in children],
                [c["steps"][step]["peak_rss_mib"] for c in children],
                load,
                [c["steps"][step].get("cpu_seconds", float("nan")) for c in children],
            )
    for case, label in (("synth", "synth"), ("permutation", "permutation test, 10,000")):
        runs = cases.get(case)
        if runs:
            seconds = [
                r["child"]["seconds"] if case == "permutation" else r["seconds"] for r in runs
            ]
            cpu = [r.get("cpu_seconds", float("nan")) for r in runs] if case == "synth" else []
            rows[label] = _row(
                seconds, [r["max_rss_mib"] for r in runs], [r["load"] for r in runs], cpu
            )
            failed = [r for r in runs if r.get("returncode")]
            if failed:
                rows[label]["note"] = (
                    f"{len(failed)} of {len(runs)} runs failed: " + "".join(failed[0]["error"])[:90]
                )
    return rows


def _environment(results: dict) -> str:
    env = results["environment"]
    versions = ", ".join(f"{k} {v}" for k, v in env["versions"].items())
    before = ", ".join(f"{x:.2f}" for x in env["load_before"])
    after = ", ".join(f"{x:.2f}" for x in env.get("load_after", ()))
    return (
        f"- date: {env['date']}; code: {env['commit']} ({env['project']})\n"
        f"- machine: {env['machine']}; {env['system']}; Python {env['python']}\n"
        f"- versions: {versions}\n"
        f"- load average (1, 5, 15 min): {before} at the start, {after} at the end"
    )


def markdown(results: dict) -> str:
    """The results of one benchmark run as a Markdown table."""
    lines = [
        _environment(results),
        "",
        "| measured | median s | range s | CPU s | runs | peak MiB | load | note |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    previous: dict[str, float] = {}
    for name, row in summary(results).items():
        note = row.get("note", "")
        if name.startswith("scale ") and name.endswith("all core analyses"):
            if "all" in previous:
                note = f"x{row['median'] / previous['all']:.1f} the previous size"
            previous["all"] = row["median"]
        peak = "" if row["peak_mib"] != row["peak_mib"] else f"{row['peak_mib']:.0f}"
        cpu = "" if row["cpu"] != row["cpu"] else f"{row['cpu']:.1f}"
        lines.append(
            f"| {name} | {row['median']:.2f} | {row['low']:.2f}–{row['high']:.2f} | {cpu} | "
            f"{row['runs']} | {peak} | {row['load']:.1f} | {note} |"
        )
    return "\n".join(lines)


def comparison(before: dict, after: dict) -> str:
    """Medians before and after, and their ratio (after / before), row by row."""
    old, new = summary(before), summary(after)
    lines = [
        "| measured | before s | after s | after / before | CPU s before → after | "
        "peak MiB before → after |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, row in new.items():
        if name not in old:
            continue
        b, a = old[name]["median"], row["median"]
        peaks = f"{old[name]['peak_mib']:.0f} → {row['peak_mib']:.0f}"
        cpu = f"{old[name]['cpu']:.1f} → {row['cpu']:.1f}" if row["cpu"] == row["cpu"] else ""
        lines.append(f"| {name} | {b:.2f} | {a:.2f} | {a / b:.2f} | {cpu} | {peaks} |")
    return "\n".join(lines)
