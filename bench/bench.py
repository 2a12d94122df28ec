#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""kmemscope benchmark driver (make bench).

Interleaves the tracing configurations round by round (A B C ... A B C ...)
on the same workloads, because the machine is shared and absolute times are
noise; reports medians with min-max and ratios. Writes build/bench/results.json
and the generated part of docs/performance.md (between the bench markers).

BENCH_QUICK=1: fewer rounds, smaller workloads and scaling points.
"""
import argparse
import fcntl
import glob
import json
import os
import platform
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time

QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
ROUNDS = 2 if QUICK else 5
SCALE_N = [1000, 10000, 100000] if QUICK else [1000, 10000, 100000, 1000000]
SCALE_REPS = 1 if QUICK else 2
# ops per workload: about half a second each untraced on this 2-core machine
WORKLOADS = {
    "msgq": ["msgq", 30000 if QUICK else 60000, 64],
    "sockfilt": ["sockfilt", 400 if QUICK else 800],
    "fork": ["fork", 30 if QUICK else 60],
    "fault": ["fault", 8192 if QUICK else 16384],
}
WL_DESC = {
    "msgq": "msgsnd+msgrcv of 64 bytes (one kmalloc + one kfree)",
    "sockfilt": "SO_ATTACH_FILTER on one socket (one vmalloc + the old filter's vfree)",
    "fork": "fork + _exit + waitpid (slab, vmalloc'ed stack, pages)",
    "fault": "mmap / touch / munmap, per page touched (mm_page_alloc rate)",
}
# the hot-path phase: msg-queue churn only, more and longer rounds
HOT_ROUNDS = 4 if QUICK else 9
HOT_OPS = 100000 if QUICK else 200000
# "kmemscope" samples stacks (--stack-sample's default); "kmemscope --stack-sample 0" does not
HOT_CONFIGS = ["floor", "floor raw", "kmemscope", "kmemscope --stack-sample 0", "kmemscope --no-live", "bpftrace count",
               "bpftrace live"]
KMEM_TP = ["kmem:kmalloc", "kmem:kfree", "kmem:kmem_cache_alloc", "kmem:kmem_cache_free"]


def log(*a):
    print("bench:", *a, file=sys.stderr, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


# ---- BPF programs and maps of one process -------------------------------


def fdinfos(pid):
    """fdinfo of every BPF object fd of pid, as dicts (this bpftool has no pid
    iterators, so the programs and maps of one process are found through
    /proc/PID/fdinfo: other developers' kmemscope programs stay out)."""
    out = []
    for f in glob.glob(f"/proc/{pid}/fdinfo/*"):
        try:
            d = {}
            for line in open(f):
                k, _, v = line.partition(":")
                d[k.strip()] = v.strip()
        except OSError:
            continue
        if "prog_id" in d or "map_id" in d:
            out.append(d)
    return out


def prog_stats(pid):
    """{prog id: (name, run_cnt, run_time_ns)} of the programs pid holds."""
    out = {}
    for d in fdinfos(pid):
        if "run_cnt" in d and "prog_id" in d:
            out[int(d["prog_id"])] = (prog_name(int(d["prog_id"])), int(d["run_cnt"]),
                                      int(d["run_time_ns"]))
    return out


_names = {}


def prog_name(pid_):
    if pid_ not in _names:
        r = sh(["bpftool", "-j", "prog", "show", "id", str(pid_)])
        try:
            _names[pid_] = json.loads(r.stdout).get("name", str(pid_))
        except (json.JSONDecodeError, AttributeError):
            _names[pid_] = str(pid_)
    return _names[pid_]


def stats_delta(before, after):
    """Summed run_cnt and run_time_ns deltas, and per program name."""
    cnt = ns = 0
    per = {}
    for pid_, (name, c, t) in after.items():
        c0, t0 = before.get(pid_, (name, 0, 0))[1:]
        dc, dt = c - c0, t - t0
        cnt += dc
        ns += dt
        a = per.setdefault(name, [0, 0])
        a[0] += dc
        a[1] += dt
    return cnt, ns, per


def map_bytes(pid):
    seen = {}
    for d in fdinfos(pid):
        if "map_id" in d and "memlock" in d:
            seen[d["map_id"]] = int(d["memlock"])
    return sum(seen.values())


def group(pid):
    """pid and the processes of its process group (perf kmem record runs perf
    record as a child; the tracers are started in their own session)."""
    out = {pid}
    for st in glob.glob("/proc/[0-9]*/stat"):
        try:
            f = open(st).read().rsplit(")", 1)[1].split()
            if int(f[2]) == pid:
                out.add(int(st.split("/")[2]))
        except (OSError, ValueError, IndexError):
            pass
    return out


def cpu_ns(pid):
    """CPU time of all threads of pid's process group (schedstat: ns resolution)."""
    return sum(cpu_ns1(p) for p in group(pid))


def cpu_ns1(pid):
    total = 0
    for f in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        try:
            total += int(open(f).read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def vm_hwm_kib(pid):
    return sum(vm_hwm_kib1(p) for p in group(pid))


def vm_hwm_kib1(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def sysctl_get(name):
    return open("/proc/sys/" + name.replace(".", "/")).read().strip()


def sysctl_set(name, val):
    with open("/proc/sys/" + name.replace(".", "/"), "w") as f:
        f.write(str(val))


# ---- tracers ---------------------------------------------------------------

BT_COUNT = (
    "tracepoint:kmem:kmalloc { @allocs[args->call_site] = count(); }\n"
    "tracepoint:kmem:kmem_cache_alloc { @allocs[args->call_site] = count(); }\n"
    "BEGIN { printf(\"ready\\n\"); }\n"
)
BT_LIVE = (
    "tracepoint:kmem:kmalloc { @allocs[args->call_site] = count();"
    " @live[args->ptr] = args->call_site; }\n"
    "tracepoint:kmem:kmem_cache_alloc { @allocs[args->call_site] = count();"
    " @live[args->ptr] = args->call_site; }\n"
    "tracepoint:kmem:kfree { delete(@live[args->ptr]); }\n"
    "tracepoint:kmem:kmem_cache_free { delete(@live[args->ptr]); }\n"
    "BEGIN { printf(\"ready\\n\"); }\n"
)


RUNNING = set()


class Tracer:
    """One tracing configuration, started and stopped around workloads."""

    def __init__(self, name, build, tmp):
        self.name, self.build, self.tmp = name, build, tmp
        self.proc = None
        self.out = None
        self.extra = {}

    def cmd(self):
        b, n = self.build, self.name
        kms = [f"{b}/kmemscope", "record", "-i", "1", "-n", "5", "-o", self.out]
        if n.startswith("kmemscope --by ") or n.startswith("kmemscope --pid "):
            # filters and --by (docs/performance.md, "Filters and --by")
            return kms + n.split()[1:]
        return {
            "none": None,
            "floor": [f"{b}/bench/floor", f"{b}/bench/floor.bpf.o"],
            "floor raw": [f"{b}/bench/floor", f"{b}/bench/floor.bpf.o", "--raw"],
            "floor --pages": [f"{b}/bench/floor", f"{b}/bench/floor.bpf.o", "--pages"],
            "kmemscope": kms,
            "kmemscope --pages": kms + ["--pages"],
            "kmemscope --no-live": kms + ["--no-live"],
            "bpftrace count": ["bpftrace", "-e", BT_COUNT],
            "bpftrace live": ["bpftrace", "-e", BT_LIVE],
            "perf kmem record": ["perf", "kmem", "record", "-a", "-B", "-o", self.out],
        }.get(n) or (kms + n.split()[1:] if n.startswith("kmemscope --") else None)

    def start(self, extra_args=()):
        self.out = os.path.join(self.tmp, re.sub(r"\W+", "_", self.name) + ".out")
        c = self.cmd()
        if c is None:
            return True
        c = list(c) + list(extra_args)
        env = dict(os.environ)
        # bpftrace's default of 4096 keys would make the live map drop most objects
        env["BPFTRACE_MAP_KEYS_MAX"] = "131072"
        self.errf = open(os.path.join(self.tmp, "stderr.txt"), "w+")
        self.outf = open(os.path.join(self.tmp, "stdout.txt"), "w+")
        self.proc = subprocess.Popen(c, stdout=self.outf, stderr=self.errf, env=env,
                                     start_new_session=True)
        RUNNING.add(self.proc)
        self.t_start = time.monotonic()
        deadline = time.time() + 60
        ready = {"floor": "ready", "floor raw": "ready", "floor --pages": "ready", "bpftrace count": "ready",
                 "bpftrace live": "ready"}.get(self.name, "Hit Ctrl-C")
        while time.time() < deadline:
            if self.proc.poll() is not None:
                log(f"{self.name} exited early: {self.text()}")
                return False
            if self.name.startswith("perf"):
                # perf prints nothing when ready: give it time to open the events
                if time.monotonic() - self.t_start > 2.0:
                    break
            elif ready in self.text():
                break
            time.sleep(0.1)
        time.sleep(0.3)
        self.cpu0, self.t0 = cpu_ns(self.proc.pid), time.monotonic()
        self.maps = map_bytes(self.proc.pid)
        return True

    def text(self):
        s = ""
        for f in (self.outf, self.errf):
            f.flush()
            f.seek(0)
            s += f.read()
        return s

    def pid(self):
        return self.proc.pid if self.proc else None

    def stop(self):
        res = {}
        if not self.proc:
            return res
        res["cpu_per_wall"] = (cpu_ns(self.proc.pid) - self.cpu0) / 1e9 / (time.monotonic() - self.t0)
        res["rss_kib"] = vm_hwm_kib(self.proc.pid)
        res["map_bytes"] = self.maps
        os.killpg(self.proc.pid, signal.SIGINT)
        RUNNING.discard(self.proc)
        try:
            self.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        text = self.text()
        if self.name.startswith("kmemscope"):
            res.update(kms_output(self.out))
        elif self.name.startswith("perf"):
            m = re.search(r"Captured and wrote ([\d.]+) MB .*\((\d+) samples\)", text)
            if m:
                res["perf_mb"], res["perf_samples"] = float(m.group(1)), int(m.group(2))
            res["perf_lost"] = perf_lost(self.out)
            # what perf needs after recording to give per-call-site statistics
            ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            st = sh(["timeout", "300", "perf", "kmem", "-i", self.out, "stat", "--caller"])
            ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            if st.returncode == 0 and "No slab allocation events" not in st.stdout + st.stderr:
                res["perf_stat_cpu_s"] = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
            else:
                # perf 6.1's kmem stat does not take every kernel's kmem records
                res["perf_stat_error"] = (st.stdout + st.stderr).strip().splitlines()[0:1]
            ps = re.search(r"SAMPLE events:\s+(\d+)", sh(["timeout", "30", "perf", "report", "-i", self.out,
                                                          "--stats"]).stdout)
            if ps and "perf_samples" not in res:
                res["perf_samples"] = int(ps.group(1))
            try:
                os.unlink(self.out)
            except OSError:
                pass
        elif self.name.startswith("bpftrace"):
            res["bpftrace_warnings"] = len(re.findall(r"(?i)lost|fail", text))
        self.outf.close()
        self.errf.close()
        self.proc = None
        return res


def perf_lost(path):
    r = sh(["timeout", "30", "perf", "report", "-i", path, "--stats"])
    m = re.search(r"LOST events:\s+(\d+)", r.stdout)
    m2 = re.search(r"LOST_SAMPLES events:\s+(\d+)", r.stdout)
    if not m and not m2:
        return 0 if r.returncode == 0 else None
    return (int(m.group(1)) if m else 0) + (int(m2.group(1)) if m2 else 0)


def kms_output(path):
    """Totals from kmemscope's NDJSON export."""
    res = {"drops": 0, "drops_by_kind": {}, "load_msg_allocs": 0, "load_msg_frees": 0}
    try:
        lines = open(path).read().splitlines()
    except OSError:
        return res
    for line in lines:
        try:
            r = json.loads(line)
        except json.JSONDecodeError:
            continue
        if r.get("type") == "interval":
            res["drops"] += sum(r.get("drops", {}).values())
            for k, v in r.get("drops", {}).items():
                res["drops_by_kind"][k] = res["drops_by_kind"].get(k, 0) + v
        elif r.get("type") == "site" and r.get("caller") == "load_msg" and r.get("kind") == "kmalloc":
            res["load_msg_allocs"] += r.get("allocs", 0)
            res["load_msg_frees"] += r.get("frees", 0)
    return res


def run_wl(build, args, timeout=300):
    r = sh([f"{build}/bench/wl"] + [str(a) for a in args], timeout=timeout)
    if r.returncode:
        raise RuntimeError(f"wl {args}: {r.stderr}")
    out = {}
    for m in re.finditer(r"(\w+)=([\d.]+)", r.stdout):
        out[m.group(1)] = float(m.group(2))
    return out


def med(v):
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None


# ---- phases ----------------------------------------------------------------


def main_rounds(build, tmp, configs):
    """ns/op of every workload under every configuration, interleaved: each
    round runs none, c1, none, c2, ..., none (the order of the c reversed every
    other round); each configuration is compared with the mean of the two
    untraced runs around it, which takes out the slow drift of a shared machine."""
    ns = {c: {w: [] for w in WORKLOADS} for c in configs}
    wall = {c: {w: [] for w in WORKLOADS} for c in configs}
    paired = {c: {w: [] for w in WORKLOADS} for c in configs}
    res = {c: [] for c in configs}
    traced = [c for c in configs if c != "none"]

    def one(c):
        t = Tracer(c, build, tmp)
        if not t.start():
            return None
        got = {}
        for w, args in WORKLOADS.items():
            o = run_wl(build, args)
            got[w] = o["cpu_ns_per_op"]
            ns[c][w].append(o["cpu_ns_per_op"])
            wall[c][w].append(o["ns_per_op"])
        res[c].append(t.stop())
        return got

    def pair(r, c, got, prev, nxt):
        for w in WORKLOADS:
            paired[c][w].append(got[w] - (prev[w] + nxt[w]) / 2)
        log(f"round {r + 1}/{ROUNDS} {c}: " + " ".join(
            f"{w}={ns[c][w][-1]:.0f}({paired[c][w][-1]:+.0f})" for w in WORKLOADS))

    interleave(traced, ROUNDS, one, pair)
    return ns, wall, paired, res


def interleave(traced, rounds, one, pair):
    """Each round runs none, c1, none, c2, ..., none (the order reversed
    every other round) and hands every traced run to pair() with the
    untraced runs just before and after it."""
    for r in range(rounds):
        order = traced if r % 2 == 0 else traced[::-1]
        prev = one("none")
        for c in order:
            got = one(c)
            nxt = one("none")
            if got is not None:
                pair(r, c, got, prev, nxt)
            prev = nxt


def hot_rounds(build, tmp, configs=HOT_CONFIGS):
    """Msg-queue churn only, interleaved like main_rounds but with more and
    longer rounds: the added cost per event of the hot path next to both
    floors, resolved much finer than the all-workload rounds can."""
    paired = {c: [] for c in configs}
    args = ["msgq", HOT_OPS, 64]

    def one(c):
        t = Tracer(c, build, tmp)
        if not t.start():
            return None
        o = run_wl(build, args)
        t.stop()
        return o["cpu_ns_per_op"]

    def pair(r, c, got, prev, nxt):
        paired[c].append(got - (prev + nxt) / 2)
        log(f"hot round {r + 1}/{HOT_ROUNDS} {c}: {paired[c][-1]:+.0f} ns/op")

    interleave(configs, HOT_ROUNDS, one, pair)
    return paired


def profile_round(build, tmp, configs):
    """bpf_stats on: events per op and kernel-side ns per event, per program."""
    out = {}
    for c in configs:
        t = Tracer(c, build, tmp)
        if not t.start() or not t.pid():
            continue
        out[c] = {}
        for w, args in WORKLOADS.items():
            before = prog_stats(t.pid())
            t0 = time.monotonic()
            r = run_wl(build, args)
            wall = time.monotonic() - t0
            cnt, tns, per = stats_delta(before, prog_stats(t.pid()))
            out[c][w] = {
                "events": cnt,
                "events_per_op": cnt / r["ops"],
                "events_per_s": cnt / wall,
                "bpf_ns_per_event": tns / cnt if cnt else None,
                "per_prog": {k: {"run_cnt": v[0], "ns_per_run": v[1] / v[0] if v[0] else None}
                             for k, v in per.items() if v[0]},
            }
        t.stop()
        log(f"profile {c}: " + " ".join(
            f"{w}={out[c][w]['events_per_op']:.2f}ev/op,{(out[c][w]['bpf_ns_per_event'] or 0):.0f}ns/ev"
            for w in WORKLOADS))
    return out


EV_TPS = KMEM_TP + ["vmalloc:alloc_vmap_area", "vmalloc:free_vmap_area_noflush"]
EV_TPS_PAGES = ["kmem:mm_page_alloc", "kmem:mm_page_free", "kmem:mm_page_alloc_extfrag"]


def events_per_op(build, tmp):
    """Events of the workload itself (comm "wl", forked children included) on
    kmemscope's tracepoints, counted by bpftrace around one run of each
    workload: the machine's other activity stays out of the per-op figure."""
    probes = ",".join("tracepoint:" + t for t in EV_TPS + EV_TPS_PAGES)
    prog = probes + ' /comm == "wl"/ { @[probe] = count(); } BEGIN { printf("ready\\n"); }'
    out = {}
    for w, args in WORKLOADS.items():
        errf = open(os.path.join(tmp, "ev.err"), "w+")
        p = subprocess.Popen(["bpftrace", "-e", prog], stdout=subprocess.PIPE, stderr=errf,
                             text=True, start_new_session=True)
        RUNNING.add(p)
        line = "x"
        while line and "ready" not in line:
            line = p.stdout.readline()
        if not line:
            log("event count: bpftrace did not start")
        r = run_wl(build, args)
        os.killpg(p.pid, signal.SIGINT)
        text = p.stdout.read()
        p.wait()
        RUNNING.discard(p)
        cnt = {m.group(1): int(m.group(2)) for m in re.finditer(r"@\[tracepoint:(\S+)\]: (\d+)", text)}
        d = sum(v for k, v in cnt.items() if k in EV_TPS)
        out[w] = {"default": d / r["ops"], "pages": (d + sum(v for k, v in cnt.items() if k in EV_TPS_PAGES)) / r["ops"],
                  "per_tp": {k: v / r["ops"] for k, v in cnt.items()}}
        log(f"events/op {w}: {out[w]['default']:.2f} (with pages {out[w]['pages']:.2f}) {cnt}")
    return out


def count_check(build, tmp):
    """No aggregated count lost at the highest rate: two msgq churners (one per
    core) under kmemscope; load_msg allocations must equal the operations.
    Holds the e2e lock so that no other developer's test sends messages."""
    ops = 100000 if QUICK else 300000
    lock = open("/tmp/kmemscope-e2e.lock", "a")
    locked = False
    for _ in range(60):
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            locked = True
            break
        except OSError:
            time.sleep(0.5)
    t = Tracer("kmemscope", build, tmp)
    t.start()
    c0, w0 = cpu_ns(t.pid()), time.monotonic()
    before = prog_stats(t.pid())
    procs = [subprocess.Popen([f"{build}/bench/wl", "msgq", str(ops), "64"], stdout=subprocess.PIPE)
             for _ in range(os.cpu_count() or 2)]
    for p in procs:
        p.wait()
    wall = time.monotonic() - w0
    cpu = (cpu_ns(t.pid()) - c0) / 1e9
    cnt, _, _ = stats_delta(before, prog_stats(t.pid()))
    time.sleep(1.2)  # one more interval drained
    res = t.stop()
    if locked:
        fcntl.flock(lock, fcntl.LOCK_UN)
    lock.close()
    res.update({
        "ops": ops * len(procs),
        "churners": len(procs),
        "wall_s": wall,
        "events_per_s": cnt / wall if wall else 0,
        "cpu_per_wall_during": cpu / wall,
        "held_e2e_lock": locked,
    })
    log(f"count check: ops={res['ops']} load_msg allocs={res.get('load_msg_allocs')} "
        f"frees={res.get('load_msg_frees')} drops={res.get('drops')} cpu={res['cpu_per_wall_during']:.4f}")
    return res


def scaling(build, tmp):
    """Cost per msgq event with N live objects held (queued messages)."""
    ops = 30000 if QUICK else 60000
    old = sysctl_get("kernel.msgmnb")
    out = []
    try:
        # per-queue byte limit; message count is limited by it too
        sysctl_set("kernel.msgmnb", min(2**31 - 1, max(int(old), (max(SCALE_N) + 1000) * 64)))
        for n in SCALE_N:
            # --live-entries N is N slots; a two-choice table holds every
            # object below about half full, so twice the objects held plus
            # the machine's own (the table of the previous version: 2N slots)
            entries = max(262144, 2 * n + 8192)
            row = {"n": n, "live_entries": entries, "none": [], "kms": [], "bpf_ns": [], "drops": []}
            for _ in range(SCALE_REPS):
                row["none"].append(run_wl(build, ["hold", n, ops, 16], timeout=600)["churn_cpu_ns_per_op"])
                t = Tracer("kmemscope", build, tmp)
                t.start(["--live-entries", str(entries)])
                before = prog_stats(t.pid())
                # stats of the churn only: fill, then snapshot, then churn
                r = run_wl(build, ["hold", n, ops, 16], timeout=600)
                cnt, tns, per = stats_delta(before, prog_stats(t.pid()))
                res = t.stop()
                row["kms"].append(r["churn_cpu_ns_per_op"])
                row["bpf_ns"].append(tns / cnt if cnt else None)
                row["drops"].append(res.get("drops"))
                row.setdefault("drops_by_kind", []).append(res.get("drops_by_kind"))
                row["map_bytes"] = res.get("map_bytes")
                row["rss_kib"] = res.get("rss_kib")
            log(f"scaling n={n}: none={med(row['none']):.0f} kms={med(row['kms']):.0f} "
                f"bpf_ns/ev={med(row['bpf_ns']) or 0:.0f} drops={row['drops']}")
            out.append(row)
    finally:
        sysctl_set("kernel.msgmnb", old)
    return out


def drain_bench(build):
    n = [100, 1000, 10000, 100000]
    r = sh([f"{build}/bench/drain"] + [str(x) for x in n], timeout=300)
    rows = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    for row in rows:
        log(f"drain {row['sites']}: synthetic {row['synthetic_ms']:.1f} ms, bpf {row['bpf_ms']:.1f} ms")
    return rows


# ---- report ----------------------------------------------------------------


def fmt(v, f="{:.0f}"):
    return "n/a" if v is None else f.format(v)


def rng(v, f="{:.0f}"):
    v = [x for x in v if x is not None]
    if not v:
        return "n/a"
    return f"{f.format(statistics.median(v))} ({f.format(min(v))}–{f.format(max(v))})"


def analyse(R):
    ns, prof, configs = R["ns"], R["profile"], R["configs"]
    base = {w: med(ns["none"][w]) for w in WORKLOADS}
    # events per op: what the floor's programs ran (the same tracepoints)
    evop = {w: R["wl_events"][w]["default"] for w in WORKLOADS}
    evop_pages = {w: R["wl_events"][w]["pages"] for w in WORKLOADS}

    def ev(c, w):
        """events per op on the tracepoints configuration c attaches"""
        per = R["wl_events"][w]["per_tp"]
        if c in ("bpftrace count", "kmemscope --no-live"):
            # no free programs: only the allocation tracepoints (and vmalloc's, for --no-live)
            vm = ("vmalloc:alloc_vmap_area",) if c.startswith("kmemscope") else ()
            return sum(per.get(t, 0) for t in ("kmem:kmalloc", "kmem:kmem_cache_alloc") + vm)
        if c in ("bpftrace live", "perf kmem record"):
            return sum(per.get(t, 0) for t in KMEM_TP)
        return evop_pages[w] if "pages" in c else evop[w]
    R["events_per_op_by_config"] = {c: {w: ev(c, w) for w in WORKLOADS} for c in configs if c != "none"}
    added, over = {}, {}
    for c in configs:
        added[c], over[c] = {}, {}
        for w in WORKLOADS:
            e = ev(c, w) if c != "none" else None
            m = med(R["paired"][c][w])
            # below half an event per op the quotient is noise divided by ~0
            added[c][w] = m / e if e and e >= 0.5 and m is not None else None
            over[c][w] = m / base[w] * 100 if m is not None and base[w] and c != "none" else None
    R["overhead_pct"] = over
    if R.get("hot"):
        R["hot_added"] = {c: [x / ev(c, "msgq") for x in v] for c, v in R["hot"].items() if v}
    R["base"], R["events_per_op"], R["events_per_op_pages"], R["added_ns_per_event"] = base, evop, evop_pages, added


def markdown(R):
    A, ns, res, prof = R["added_ns_per_event"], R["ns"], R["results"], R["profile"]
    L = []
    L.append(f"Ran {R['date']} on `{R['host']['cpu']}`, {R['host']['ncpu']} CPUs, "
             f"{R['host']['mem_gib']:.0f} GiB, kernel `{R['host']['kernel']}` ({R['host']['os']}); "
             f"{R['rounds']} interleaved rounds{' (BENCH_QUICK)' if R['quick'] else ''}; "
             f"load average at start {R['host']['loadavg']}. Bench wall time {R['wall_s']:.0f} s.")
    L.append("")
    L.append("### CPU ns per operation: median (min–max) of the rounds")
    L.append("")
    L.append("CPU time (user + sys) of the workload and its reaped children per operation: the "
             "tracing programs run inside the workload's syscalls and faults, and CPU time leaves "
             "out the waits for a CPU on this shared machine (wall times are in performance.json). "
             "Work deferred to kworkers/RCU (the old socket filter's vfree) is not in it.")
    L.append("")
    L.append("| configuration | " + " | ".join(WORKLOADS) + " |")
    L.append("|---|" + "---|" * len(WORKLOADS))
    for c in R["configs"]:
        L.append(f"| {c} | " + " | ".join(rng(ns[c][w]) for w in WORKLOADS) + " |")
    L.append("")
    L.append("Workloads: " + "; ".join(f"**{w}** {d}" for w, d in WL_DESC.items()) + ".")
    L.append("")
    L.append("### Cost per event, msg-queue churn (the hot path)")
    L.append("")
    L.append("Added cost per event = median over the rounds of (CPU ns/op traced − CPU ns/op of the "
             "untraced runs just before and after it) / events per op; events per op "
             "are the workload's own events on the attached tracepoints (counted by comm with bpftrace in a "
             f"separate run; msgq: {fmt(R['events_per_op'].get('msgq'), '{:.2f}')}; bpftrace count and "
             "kmemscope --no-live run programs on the allocation tracepoints only: 1 event per op). "
             "`events/s handled` counts all events the programs ran on, the machine's other activity included. "
             "`bpf ns/event` is the programs' own run time (`kernel.bpf_stats_enabled=1`, "
             "separate round: the stats add two clock reads per run).")
    L.append("")
    L.append("| configuration | added ns/event | × floor | overhead vs untraced | bpf ns/event | "
             "events/s handled | tracer CPU (s/s) | peak RSS | BPF map memory | lost/dropped |")
    L.append("|---|---|---|---|---|---|---|---|---|---|")
    fl = A.get("floor", {}).get("msgq")
    flp = A.get("floor --pages", {}).get("msgq")
    base = R["base"]["msgq"]
    for c in R["configs"]:
        if c == "none":
            continue
        a = A[c]["msgq"]
        ref = flp if "pages" in c else fl
        # a floor below the noise (≤ 0) gives no meaningful ratio
        ratio = a / ref if a is not None and ref and ref > 0 else None
        ov = R["overhead_pct"][c]["msgq"]
        p = prof.get(c, {}).get("msgq", {})
        rr = res.get(c, [])
        cpu = med([x.get("cpu_per_wall") for x in rr])
        rss = med([x.get("rss_kib") for x in rr])
        mb = med([x.get("map_bytes") for x in rr])
        if c.startswith("kmemscope"):
            kinds = {}
            for x in rr:
                for k, v in x.get("drops_by_kind", {}).items():
                    kinds[k] = kinds.get(k, 0) + v
            lost = str(sum(x.get("drops", 0) for x in rr)) + " drops" + (
                " (" + ", ".join(f"{k} {v}" for k, v in kinds.items() if v) + ")" if any(kinds.values()) else "")
        elif c.startswith("perf"):
            lost = ", ".join(str(x.get("perf_lost")) for x in rr) + " lost"
        elif c.startswith("bpftrace"):
            lost = "not reported (map full = silent)" if "live" in c else "not reported"
        else:
            lost = "–"
        L.append(f"| {c} | {fmt(a)} | {fmt(ratio, '{:.2f}')} | {fmt(ov, '{:+.0f}%')} | "
                 f"{fmt(p.get('bpf_ns_per_event'))} | {fmt(p.get('events_per_s'), '{:,.0f}')} | "
                 f"{fmt(cpu, '{:.4f}')} | {fmt(rss and rss / 1024, '{:.1f} MiB')} | "
                 f"{fmt(mb and mb / 2**20, '{:.1f} MiB')} | {lost} |")
    L.append("")
    pr = [x for x in res.get("perf kmem record", []) if x.get("perf_stat_cpu_s") and x.get("perf_samples")]
    perr = [x["perf_stat_error"] for x in res.get("perf kmem record", []) if x.get("perf_stat_error")]
    if perr and not pr:
        L.append(f"`perf kmem record` only copies each record into its buffer; the per-call-site "
                 f"statistics would come from `perf kmem stat --caller` afterwards, which on this "
                 f"machine cannot read what was recorded: \"{' '.join(perr[0]) or 'no output'}\" "
                 f"(Debian 12's perf 6.1 against kernel {R['host']['kernel']}'s kmem records).")
        L.append("")
    if pr:
        post = med([x["perf_stat_cpu_s"] * 1e9 / x["perf_samples"] for x in pr])
        pa = A.get("perf kmem record", {}).get("msgq")
        L.append(f"`perf kmem record` only copies each record into its buffer; the per-call-site "
                 f"statistics come from `perf kmem stat --caller` afterwards, which took "
                 f"**{post:,.0f} CPU ns per recorded event** (median over the rounds: CPU time of "
                 f"`perf kmem stat` / samples recorded, all workloads of the round). Recording plus "
                 f"statistics: about {fmt((pa or 0) + post)} ns per event, against kmemscope's "
                 f"{fmt(A.get('kmemscope', {}).get('msgq'))} (everything, in the kernel and its drain).")
        L.append("")
        R["perf_post_ns_per_event"] = post
    if R.get("hot_added"):
        H = R["hot_added"]
        fl, flr = med(H.get("floor", [])), med(H.get("floor raw", []))
        L.append(f"### Hot path: msg-queue churn alone, {R.get('hot_rounds')} interleaved rounds of "
                 f"{R.get('hot_ops'):,} operations")
        L.append("")
        L.append("The same pairing as above (each traced run against the untraced runs just before "
                 "and after it), with only the msgq workload, longer runs and more rounds. "
                 "**floor** = empty programs on the classic tracepoints (what bpftrace's "
                 "`tracepoint:` probes attach); **floor raw** = empty programs on the same kmem "
                 "tracepoints as raw tracepoints, which is how kmemscope attaches them on this kernel.")
        L.append("")
        L.append("| configuration | added ns/event: median (min–max) | × floor | × floor raw |")
        L.append("|---|---|---|---|")
        for c in HOT_CONFIGS:
            v = H.get(c)
            if not v:
                continue
            m = med(v)
            L.append(f"| {c} | {fmt(m)} ({fmt(min(v))}–{fmt(max(v))}) | "
                     f"{fmt(m / fl if fl and fl > 0 else None, '{:.2f}')} | "
                     f"{fmt(m / flr if flr and flr > 0 else None, '{:.2f}')} |")
        L.append("")
    L.append("### Added ns per event, all workloads (× the floor; events per op on the configuration's own "
             "tracepoints; n/a below 0.5 event per op)")
    L.append("")
    L.append("| configuration | " + " | ".join(WORKLOADS) + " |")
    L.append("|---|" + "---|" * len(WORKLOADS))
    for c in R["configs"]:
        if c == "none":
            continue
        cells = []
        for w in WORKLOADS:
            a = A[c][w]
            ref = A.get("floor --pages" if "pages" in c else "floor", {}).get(w)
            e = R["events_per_op_by_config"][c][w]
            cells.append(f"{fmt(a)} ({fmt(a / ref if a is not None and ref and ref > 0 else None, '{:.1f}×')}; "
                         f"{e:.1f} ev/op)")
        L.append(f"| {c} | " + " | ".join(cells) + " |")
    L.append("")
    L.append("Per program (bpf_stats, msgq round): " + "; ".join(
        f"**{c}** " + ", ".join(f"{k} {fmt(v['ns_per_run'])} ns×{v['run_cnt']}"
                                for k, v in sorted(prof.get(c, {}).get("msgq", {}).get("per_prog", {}).items()))
        for c in R["configs"] if prof.get(c, {}).get("msgq", {}).get("per_prog")) + ".")
    L.append("")
    cc = R["count_check"]
    L.append("### No count lost at the highest rate")
    L.append("")
    L.append(f"{cc['churners']} msgq churners (one per CPU), {cc['ops']:,} operations in {cc['wall_s']:.1f} s "
             f"({cc['events_per_s']:,.0f} kmemscope events/s): `load_msg` allocations counted "
             f"{cc.get('load_msg_allocs', 0):,}, frees {cc.get('load_msg_frees', 0):,}, drops "
             f"{cc.get('drops')} {cc.get('drops_by_kind')}; kmemscope CPU {cc['cpu_per_wall_during'] * 100:.2f}% of one core during the run, "
             f"peak RSS {cc.get('rss_kib', 0) / 1024:.1f} MiB, BPF maps {cc.get('map_bytes', 0) / 2**20:.1f} MiB"
             f"{'' if cc['held_e2e_lock'] else ' (e2e lock not obtained: other tests may have added messages)'}.")
    L.append("")
    L.append("### Scaling with live objects (msgq churn with N messages queued)")
    L.append("")
    L.append("| live objects | --live-entries | CPU ns/op untraced | CPU ns/op kmemscope | added ns/event | "
             "bpf ns/event | drops |")
    L.append("|---|---|---|---|---|---|---|")
    for row in R["scaling"]:
        a = (med(row["kms"]) - med(row["none"])) / (R["events_per_op"].get("msgq") or 3)
        L.append(f"| {row['n']:,} | {row['live_entries']:,} | {rng(row['none'])} | {rng(row['kms'])} | "
                 f"{a:.0f} | {rng(row['bpf_ns'])} | {sum(d or 0 for d in row['drops'])} "
                 f"({', '.join(sorted({k for d in row.get('drops_by_kind', []) for k, v in (d or {}).items() if v})) or '-'}) |")
    L.append("")
    L.append("### Aggregator drain per interval (ms; first interval symbolizes new sites)")
    L.append("")
    L.append("| distinct sites | synthetic: all changed | 1% changed | first interval | "
             "BPF map batch read + aggregate: all changed | 1% changed | first interval |")
    L.append("|---|---|---|---|---|---|---|")
    for d in R["drain"]:
        L.append(f"| {d['sites']:,} | {d['synthetic_ms']:.1f} | {d['synthetic_1pct_ms']:.1f} | "
                 f"{d['synthetic_first_ms']:.1f} | {d['bpf_ms']:.1f} | {d['bpf_1pct_ms']:.1f} | "
                 f"{d['bpf_first_ms']:.1f} |")
    return "\n".join(L) + "\n"


def host_info():
    cpu = "?"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    osr = "?"
    try:
        osr = re.search(r'PRETTY_NAME="([^"]+)"', open("/etc/os-release").read()).group(1)
    except (OSError, AttributeError):
        pass
    mem = int(open("/proc/meminfo").readline().split()[1]) / 2**20
    return {"cpu": cpu, "ncpu": os.cpu_count(), "kernel": platform.release(), "os": osr,
            "mem_gib": mem, "loadavg": open("/proc/loadavg").read().split()[0]}


def write_doc(path, md):
    begin, end = "<!-- bench:begin (generated by make bench) -->", "<!-- bench:end -->"
    text = open(path).read() if os.path.exists(path) else f"# Performance\n\n{begin}\n{end}\n"
    if begin not in text:
        text += f"\n{begin}\n{end}\n"
    pre, rest = text.split(begin, 1)
    post = rest.split(end, 1)[1]
    open(path, "w").write(pre + begin + "\n" + md + end + post)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--doc", default="docs/performance.md")
    ap.add_argument("--only", help="comma list of phases: main,profile,count,scaling,drain")
    ap.add_argument("--configs", help="comma list of configurations (partial runs only)")
    ap.add_argument("--report", help="only regenerate the Markdown from a results.json")
    a = ap.parse_args()
    if os.geteuid() != 0 and not a.report:
        sys.exit("bench: needs root (BPF, perf, sysctls)")
    build = a.build
    if a.report:
        R = json.load(open(a.report))
        analyse(R)
        write_doc(a.doc, markdown(R))
        return
    configs = ["none", "floor", "floor raw", "kmemscope", "kmemscope --no-live", "floor --pages",
               "kmemscope --pages", "bpftrace count", "bpftrace live", "perf kmem record"]
    phases = (a.only or "main,hot,profile,count,scaling,drain").split(",")
    if a.configs:
        configs = a.configs.split(",")
    t0 = time.monotonic()
    R = {"configs": configs, "rounds": ROUNDS, "quick": QUICK, "host": host_info(),
         "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "workloads": WORKLOADS}
    old_stats = sysctl_get("kernel.bpf_stats_enabled")
    with tempfile.TemporaryDirectory(prefix="kms-bench.") as tmp:
        try:
            if "main" in phases:
                sysctl_set("kernel.bpf_stats_enabled", 0) if old_stats == "0" else None
                R["ns"], R["wall_ns"], R["paired"], R["results"] = main_rounds(build, tmp, configs)
            if "hot" in phases:
                hot = [c for c in configs if c != "none"] if a.configs else HOT_CONFIGS
                R["hot"], R["hot_rounds"], R["hot_ops"] = hot_rounds(build, tmp, hot), HOT_ROUNDS, HOT_OPS
            sysctl_set("kernel.bpf_stats_enabled", 1)
            if "profile" in phases:
                R["wl_events"] = events_per_op(build, tmp)
                R["profile"] = profile_round(build, tmp, [c for c in configs if c != "none" and not c.startswith("perf")])
            if "count" in phases:
                R["count_check"] = count_check(build, tmp)
            if "scaling" in phases:
                R["scaling"] = scaling(build, tmp)
        finally:
            sysctl_set("kernel.bpf_stats_enabled", old_stats)
            for p in list(RUNNING):  # interrupted: stop what we started, nothing else
                os.killpg(p.pid, signal.SIGINT)
                p.wait()
        if "drain" in phases:
            R["drain"] = drain_bench(build)
    R["wall_s"] = time.monotonic() - t0
    os.makedirs(f"{build}/bench", exist_ok=True)
    if set(phases) >= {"main", "hot", "profile", "count", "scaling", "drain"}:
        analyse(R)
        md = markdown(R)
        json.dump(R, open(f"{build}/bench/results.json", "w"), indent=1)
        json.dump(R, open(os.path.join(os.path.dirname(a.doc), "performance.json"), "w"), indent=1)
        write_doc(a.doc, md)
        print(md)
        log(f"wrote {a.doc}, {os.path.dirname(a.doc)}/performance.json and {build}/bench/results.json "
            f"in {R['wall_s']:.0f} s")
    else:
        json.dump(R, open(f"{build}/bench/results-partial.json", "w"), indent=1)
        log(f"partial run ({','.join(phases)}) in {R['wall_s']:.0f} s: {build}/bench/results-partial.json")


if __name__ == "__main__":
    main()
