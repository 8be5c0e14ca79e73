#!/usr/bin/env python3
"""postlint's benchmarks, reproducible by anyone: `python3 benches/run.py [--sizes 1000 10000]`.

Builds postlint and the parse floor (benches/floor.rs) twice (as released, and without the
cross-crate optimisation: profile `floor-plain`), generates the synthetic blogs
(benches/gen_blog.py, `--seed S` for a held-out corpus) under target/bench/, and measures in
one go, on this machine:
- offline lint of the whole blog: `cat` of every post, both floor builds, postlint (with its
  folder listings cached, and with `--no-cache`), and the peers `rumdl check --no-cache` and
  `markdownlint-cli2` when they are on PATH; ratios are to the faster floor build, and the
  floors and postlint alone take --ratio-runs more rounds for the ratio the target is about;
- the editor path: `postlint check --stdin-filename` for one letter, with its whole collection;
- image checks: N URLs on one host of a loopback server answering after 20 ms, cold and warm
  cache, against the floor N x 20 ms / per-host limit, and `lychee` when it is on PATH.
With --baseline BIN, only this build against BIN, in turns, each on its own copy of the blog.
With --instructions, only instruction counts (valgrind's callgrind, one thread) of the floor,
the whole blog and an editor save: the same from run to run, unlike times on a shared machine.
Medians of --runs runs after a warm-up, the commands of a table taking turns run by run: wall
time, CPU time, peak memory, and the median of postlint's ratio to the floor within each round. It also checks that
postlint reports exactly the injected defects (EXPECTED.tsv). Prints Markdown for BENCHMARKS.md.
Nothing but 127.0.0.1 is contacted.
"""

import argparse
import glob
import http.server
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "target", "bench")
TABLE_HEAD = "| posts | command | wall (s) | CPU (s) | peak RSS (MiB) | ratio to the faster floor |\n| --- | --- | --- | --- | --- | --- |"


def run_once(cmd, stdin=None, cwd=None, ok_codes=(0, 1)):
    """Wall seconds, CPU seconds, peak RSS (MiB) of one run of `cmd`, and for an editor save
    (`stdin` given) the seconds postlint itself reports up to its report (`POSTLINT_TIMINGS`;
    NaN otherwise): the wall time less starting the process from Python and ending it."""
    env = {**os.environ, "POSTLINT_NETWORK": "off"}
    if stdin:
        env["POSTLINT_TIMINGS"] = "1"
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE if stdin else subprocess.DEVNULL, env=env)
    timings = b""
    if stdin:
        proc.stdin.write(stdin)
        proc.stdin.close()
        timings = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in ok_codes:
        raise SystemExit(f"{cmd}: exit code {code}")
    reported = [line.split()[2] for line in timings.decode(errors="replace").splitlines() if line.endswith("report written")]
    inside = float(reported[-1]) / 1000 if reported else float("nan")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, inside


def medians(samples):
    return tuple(statistics.median(s[k] for s in samples) for k in range(4))


def measure_in_turns(commands, runs, cwd=None):
    """Like `measure` for each (name, cmd, stdin) or (name, cmd, stdin, its own cwd), the commands
    taking turns run by run, in a shuffled order, so a slow or fast spell of the machine falls on
    all of them alike.
    Returns the medians by name and each round's samples (for ratios taken within a round)."""
    rounds = []
    for i in range(runs + 1):
        # In a new order each round (seeded: the same from run to run): in one fixed order the
        # last command of a round ran up to 10 % faster than the same command placed first.
        order = random.Random(i).sample(commands, len(commands))
        round_ = {c[0]: run_once(c[1], c[2], c[3] if len(c) > 3 else cwd) for c in order}
        if i > 0:
            rounds.append(round_)
    return {c[0]: medians([r[c[0]] for r in rounds]) for c in commands}, rounds


def build():
    """postlint and the floor as released (optimised across crates), and the floor once more
    without that optimisation (profile `floor-plain`): neither floor build is faster on every
    machine, and postlint is measured against the faster of the two."""
    subprocess.run(["cargo", "build", "--release", "--locked", "--bin", "postlint", "--bench", "floor"], cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--profile", "floor-plain", "--locked", "--bench", "floor"], cwd=ROOT, check=True)

    def newest_floor(profile):
        floors = [p for p in glob.glob(os.path.join(ROOT, "target", profile, "deps", "floor-*")) if os.access(p, os.X_OK) and not p.endswith(".d")]
        return max(floors, key=os.path.getmtime)

    return os.path.join(ROOT, "target", "release", "postlint"), newest_floor("release"), newest_floor("floor-plain")


def blog(n, seed=1):
    """The synthetic blog of `n` posts drawn with `seed` (1 is the one BENCHMARKS.md reports on;
    another seed is a held-out corpus of the same shape)."""
    path = os.path.join(BENCH, f"blog-{n}" if seed == 1 else f"blog-{n}-seed{seed}")
    if not os.path.exists(os.path.join(path, "EXPECTED.tsv")):
        shutil.rmtree(path, ignore_errors=True)
        subprocess.run([sys.executable, os.path.join(ROOT, "benches", "gen_blog.py"), path, str(n), "--seed", str(seed)], check=True)
    return path


def findings_match(postlint, site):
    out = subprocess.run([postlint, "check", "--offline", "--format", "json", site], capture_output=True, cwd=site)
    doc = json.loads(out.stdout)
    found = {(d["path"], d["rule"]) for d in doc["diagnostics"]}
    with open(os.path.join(site, "EXPECTED.tsv")) as f:
        expected = {tuple(line.rstrip("\n").split("\t")) for line in list(f)[1:]}
    rel = {(os.path.relpath(os.path.join(site, p), site) if os.path.isabs(p) else os.path.relpath(p, "."), r) for p, r in found}
    return expected == rel, len(expected), sorted(expected - rel)[:5], sorted(rel - expected)[:5]


class Images(http.server.BaseHTTPRequestHandler):
    """An image for every path, after `delay` seconds; counts requests."""
    delay = 0.02
    requests = 0
    lock = threading.Lock()

    def answer(self, body):
        with Images.lock:
            Images.requests += 1
        time.sleep(Images.delay)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", "4")
        self.end_headers()
        if body:
            self.wfile.write(b"\x89PNG")

    def do_HEAD(self):
        self.answer(False)

    def do_GET(self):
        self.answer(True)

    def log_message(self, *args):
        pass


def network(postlint, urls, runs):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Images)
    server.daemon_threads = True
    server.request_queue_size = 128
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    site = os.path.join(BENCH, f"images-{urls}")
    shutil.rmtree(site, ignore_errors=True)
    os.makedirs(os.path.join(site, "posts"))
    with open(os.path.join(site, "posts", "images.md"), "w") as f:
        f.write("".join(f"![image {i}](http://127.0.0.1:{port}/img/{i}.png)\n\n" for i in range(urls)))
    with open(os.path.join(site, "postlint.toml"), "w") as f:
        f.write('[collections.posts]\ninclude = ["posts/*.md"]\npreset = "generic"\n\n[network]\nper-host = 8\nconcurrency = 32\n')
    cmd = [postlint, "check", "--network", "on", "--allow-private", "--select", "image-unreachable", "--quiet"]
    lychee = ["lychee", "--no-progress", "--host-concurrency", "8", "--max-concurrency", "8", "posts/images.md"] if shutil.which("lychee") else None

    def timed(command):
        Images.requests = 0
        start = time.perf_counter()
        subprocess.run(command, cwd=site, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - start, Images.requests

    # postlint and lychee take turns, so the machine's noise falls on both alike.
    cold, peer = [], []
    for _ in range(runs):
        cold.append(timed(cmd + ["--no-cache"]))
        if lychee:
            # lychee (0.24) spaces requests to one host 50 ms apart by default; without that.
            peer.append(timed(lychee + ["--host-request-interval", "0s"]))
    rows = [("postlint, cold (per-host 8, `--no-cache`)", statistics.median(t for t, _ in cold), cold[-1][1])]
    if lychee:
        rows.append(("lychee, per-host 8, `--host-request-interval 0s`", statistics.median(t for t, _ in peer), peer[-1][1]))
        wall, requests = timed(lychee)
        rows.append(("lychee, per-host 8, its default 50 ms spacing (one run)", wall, requests))
    subprocess.run(cmd, cwd=site, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # The warm-cache and offline runs take turns too: a few milliseconds each, so a spell of
    # the machine moved one set of runs and not the other.
    warm, offline = [], []
    for _ in range(runs + 1):
        warm.append(timed(cmd))
        offline.append(timed([postlint, "check", "--offline", "--quiet"]))
    warm, offline = warm[1:], offline[1:]
    rows.append(("postlint, warm cache", statistics.median(t for t, _ in warm), warm[-1][1]))
    rows.append(("postlint, offline (for the warm-cache ratio)", statistics.median(t for t, _ in offline), 0))
    server.shutdown()
    return rows, urls * Images.delay / 8


def first_letter(site):
    """The path (relative to `site`) and bytes of the letter the editor rows save."""
    files = sorted(glob.glob(os.path.join(site, "src", "data", "**", "*.md"), recursive=True))
    letter = next(f for f in files if os.sep + "newsletter" + os.sep in f)
    with open(letter, "rb") as f:
        return os.path.relpath(letter, site), f.read()


def compare(baseline, postlint, n, runs, seed):
    """This build against another postlint binary, in turns: an editor save (outline index) and
    the whole blog. Each binary works on its own copy of the blog, so each keeps an outline index
    of its own version (one would otherwise rebuild the other's on every run)."""
    site = blog(n, seed)
    copies = []
    for name in ("baseline", "build"):
        copy = os.path.join(BENCH, f"blog-{n}-{name}")
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(site, copy, symlinks=True, ignore=shutil.ignore_patterns(".postlint-cache"))
        copies.append(copy)
    # A copy's files are new to the index for two seconds (see README, "The outline index").
    time.sleep(2.5)
    rel, text = first_letter(site)
    binaries = [("baseline", baseline), ("this build", postlint)]
    tables = [
        ("editor: --stdin-filename one letter, outline index", lambda b: ([b, "check", "--stdin-filename", rel, "--format", "concise"], text)),
        ("postlint check --offline", lambda b: ([b, "check", "--offline", "--format", "concise", "--quiet"], None)),
    ]
    print(f"\n| posts | command | baseline wall (s) | this build wall (s) | baseline CPU (s) | this build CPU (s) | baseline inside (s) | this build inside (s) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for title, command in tables:
        turns = [(name, *command(binary), copy) for (name, binary), copy in zip(binaries, copies)]
        results, _ = measure_in_turns(turns, runs)
        (bw, bc, _, bi), (tw, tc, _, ti) = (results[name] for name, _ in binaries)
        editor = turns[0][2] is not None
        inside = f"{bi:.4f} | {ti:.4f}" if editor else " | "
        print(f"| {n} | {title} | {bw:.3f} | {tw:.3f} | {bc:.3f} | {tc:.3f} | {inside} |")


def instructions(cmd, stdin=None, cwd=None):
    """Instructions `cmd` executes on one thread (valgrind's callgrind): unlike time, the same
    from run to run on a noisy machine, so a change can be measured against the floor exactly."""
    env = {**os.environ, "POSTLINT_NETWORK": "off", "RAYON_NUM_THREADS": "1"}
    proc = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
                          input=stdin, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    collected = [line for line in proc.stderr.decode(errors="replace").splitlines() if "Collected :" in line]
    if not collected:
        raise SystemExit(f"{cmd}: no instruction count from valgrind")
    return int(collected[-1].split()[-1].replace(",", ""))


def count_instructions(postlint, floor, sizes, seed):
    """The instruction table of BENCHMARKS.md: the floor (built as postlint is), the whole blog
    (every folder walked), and an editor save with the outline index warm."""
    print("| posts | command | instructions (M) | ratio to floor |")
    print("| --- | --- | --- | --- |")
    for n in sizes:
        site = blog(n, seed)
        rel, text = first_letter(site)
        editor = [postlint, "check", "--stdin-filename", rel, "--format", "concise"]
        # Warm the outline index first, as a save in an editor finds it.
        subprocess.run(editor, input=text, cwd=site, stdout=subprocess.DEVNULL, env={**os.environ, "POSTLINT_NETWORK": "off"})
        rows = [
            ("floor (walk, split, YAML, pulldown-cmark)", [floor, "src"], None),
            ("postlint check --offline --no-cache", [postlint, "check", "--offline", "--no-cache", "--format", "concise", "--quiet"], None),
            ("editor: --stdin-filename one letter, outline index", editor, text),
        ]
        counts = {name: instructions(cmd, stdin, site) for name, cmd, stdin in rows}
        floor_count = counts[rows[0][0]]
        for name, _, stdin in rows:
            ratio = "" if stdin else f"{counts[name] / floor_count:.2f}x"
            print(f"| {n} | {name} | {counts[name] / 1e6:.1f} | {ratio} |")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ratio-runs", type=int, default=21, help="rounds of the floors and postlint alone, for their ratio")
    parser.add_argument("--urls", type=int, default=1000)
    parser.add_argument("--baseline", help="another postlint binary: compare this build with it, in turns, and stop")
    parser.add_argument("--instructions", action="store_true", help="count instructions (valgrind) instead of timing, and stop")
    parser.add_argument("--seed", type=int, default=1, help="draw the blogs with this seed (another than 1: a held-out corpus)")
    args = parser.parse_args()
    postlint, floor, floor_plain = build()
    if args.instructions:
        count_instructions(postlint, floor, args.sizes, args.seed)
        return
    if args.baseline:
        for n in args.sizes:
            compare(os.path.abspath(args.baseline), postlint, n, args.runs, args.seed)
        return
    print(f"Machine: {os.cpu_count()} cores; {subprocess.run(['uname', '-srm'], capture_output=True, text=True).stdout.strip()}\n")
    print(f"Blogs drawn with seed {args.seed}.\n")
    print(TABLE_HEAD)
    for n in args.sizes:
        site = blog(n, args.seed)
        floors = [
            ("floor (walk, split, YAML, pulldown-cmark), built as postlint", [floor, "src"]),
            ("floor, built without the cross-crate optimisation", [floor_plain, "src"]),
        ]
        postlint_rows = [
            ("postlint check --offline", [postlint, "check", "--offline", "--format", "concise", "--quiet"]),
            # Every folder walked, as on a fresh clone (the row above lists them from the cache).
            ("postlint check --offline --no-cache", [postlint, "check", "--offline", "--no-cache", "--format", "concise", "--quiet"]),
        ]
        commands = [("cat (read every post)", ["sh", "-c", "find src -name '*.md' -exec cat {} + > /dev/null"]), *floors, *postlint_rows]
        if shutil.which("rumdl"):
            commands.append(("rumdl check --no-cache", ["rumdl", "check", "--no-cache", "src"]))
        if shutil.which("markdownlint-cli2"):
            commands.append(("markdownlint-cli2", ["markdownlint-cli2", "src/**/*.md"]))
        results, rounds = measure_in_turns([(name, cmd, None) for name, cmd in commands], args.runs, cwd=site)
        # The ratio is to the faster floor build: the floor is what reading everything once
        # costs at best, not at the build profile postlint happens to use.
        floor_wall = min(results[name][0] for name, _ in floors)
        for name, (wall, cpu, rss, _) in results.items():
            print(f"| {n} | {name} | {wall:.3f} | {cpu:.3f} | {rss:.0f} | {wall / floor_wall:.2f}x |")
        rel, text = first_letter(site)
        editor = [postlint, "check", "--stdin-filename", rel, "--format", "concise"]
        # The warm-up round writes the outline index; the measured rounds read it.
        no_cache = "editor: --stdin-filename one letter, --no-cache (every letter read)"
        indexed = "editor: --stdin-filename one letter, outline index"
        edits, _ = measure_in_turns([(no_cache, editor + ["--no-cache"], text), (indexed, editor, text)], args.runs, cwd=site)
        for name in (no_cache, indexed):
            wall, cpu, rss, _ = edits[name]
            print(f"| {n} | {name} | {wall:.3f} | {cpu:.3f} | {rss:.0f} | |")
        inside = ", ".join(f"{edits[name][3]:.4f} s {label}" for name, label in ((no_cache, "with --no-cache"), (indexed, "with the outline index")))
        print(f"\nEditor saves at {n} posts inside the binary (up to the report, `POSTLINT_TIMINGS`): {inside}.")
        for name, _ in postlint_rows:
            paired = statistics.median(r[name][0] / min(r[f][0] for f, _ in floors) for r in rounds)
            print(f"\n`{name}` / the faster floor at {n} posts, median of the ratios within each round: {paired:.2f}x")
        # The ratio the target is about, once more in rounds of the floors and postlint alone:
        # a fraction of a second each, so many rounds fit where the peers allow only a few.
        _, ratio_rounds = measure_in_turns([(name, cmd, None) for name, cmd in floors + postlint_rows], args.ratio_runs, cwd=site)
        for name, _ in postlint_rows:
            ratios = sorted(r[name][0] / min(r[f][0] for f, _ in floors) for r in ratio_rounds)
            quartiles = statistics.quantiles(ratios, n=4)
            print(f"\n`{name}` / the faster floor at {n} posts in {args.ratio_runs} rounds of the floors and postlint alone: "
                  f"median {statistics.median(ratios):.2f}x (quartiles {quartiles[0]:.2f}x–{quartiles[2]:.2f}x)")
        ok, expected, missing, extra = findings_match(postlint, site)
        print(f"\nFindings on the {n}-post blog: {'exactly the ' + str(expected) + ' injected defects' if ok else f'MISMATCH: missing {missing}, extra {extra}'}.\n")
        if n != args.sizes[-1]:
            print(TABLE_HEAD)
    rows, floor_seconds = network(postlint, args.urls, args.runs)
    print(f"\nImage checks: {args.urls} URLs on one loopback host answering after 20 ms; floor {args.urls} x 20 ms / 8 = {floor_seconds:.2f} s.\n")
    print("| run | wall (s) | requests | ratio to floor |")
    print("| --- | --- | --- | --- |")
    for name, wall, requests in rows:
        print(f"| {name} | {wall:.3f} | {requests} | {wall / floor_seconds:.2f}x |")


if __name__ == "__main__":
    main()
