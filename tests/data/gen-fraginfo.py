# Regenerates the made-up fixtures; see README.md. Run from tests/data: python3 gen-fraginfo.py
# Writes /proc/buddyinfo and /proc/pagetypeinfo text with mm/vmstat.c's own format strings.
import random, sys
CAP = 100000

def c_s(w, s):  # %Ns (right-aligned), %-Ns
    return s.rjust(w) if w > 0 else s.ljust(-w)

def buddy_line(node, zone, counts):
    return "Node %d, zone %s " % (node, c_s(8, zone)) + "".join("%6d " % c for c in counts) + "\n"

def pagetypeinfo(nodes, types, nr_orders, pb_order, capping):
    # nodes: list of (node, [(zone, {type: [counts]}, {type: blocks})])
    out = ""
    for node, zones in nodes:
        out += "Page block order: %d\n" % pb_order
        out += "Pages per block:  %d\n" % (1 << pb_order)
        out += "\n"
        out += c_s(-43, "Free pages count per migrate type at order") + " "
        out += "".join("%6d " % o for o in range(nr_orders)) + "\n"
        for zone, free, blocks, mixed in zones:
            for t in types:
                out += "Node %s, zone %s, type %s " % (c_s(4, str(node)), c_s(8, zone), c_s(12, t))
                for c in free[t]:
                    if capping and c >= CAP:
                        out += ">%6d " % CAP
                    else:
                        out += "%6d " % c
                out += "\n"
        out += "\n" + c_s(-23, "Number of blocks type ")
        out += "".join("%s " % c_s(12, t) for t in types) + "\n"
        for zone, free, blocks, mixed in zones:
            out += "Node %d, zone %s " % (node, c_s(8, zone)) + "".join("%12d " % blocks[t] for t in types) + "\n"
        if any(m is not None for _, _, _, m in zones):
            out += "\n" + c_s(-23, "Number of mixed blocks ")
            out += "".join("%s " % c_s(12, t) for t in types) + "\n"
            for zone, free, blocks, mixed in zones:
                out += "Node %d, zone %s " % (node, c_s(8, zone)) + "".join("%12d " % mixed[t] for t in types) + "\n"
    return out

def zone(rng, types, nr_orders, big=None, mixed=False):
    free, blocks, mix = {}, {}, {}
    for t in types:
        active = t in ("Unmovable", "Movable", "Reclaimable") or rng.random() < 0.3
        free[t] = [rng.randint(0, 3000 >> (o // 2)) if active else 0 for o in range(nr_orders)]
        blocks[t] = rng.randint(1, 400) if active else 0
        mix[t] = rng.randint(0, blocks[t] // 4) if active else 0
    if big:
        for t, o, v in big:
            free[t][o] = v
    return free, blocks, (mix if mixed else None)

def buddy_from(nodes, types, nr_orders):
    out = ""
    for node, zones in nodes:
        for zname, free, _, _ in zones:
            out += buddy_line(node, zname, [sum(free[t][o] for t in types) for o in range(nr_orders)])
    return out

def make(name, seed, layout, types, nr_orders, pb_order, capping, big={}, mixed=False):
    rng = random.Random(seed)
    nodes = []
    for node, znames in layout:
        zs = []
        for z in znames:
            f, b, m = zone(rng, types, nr_orders, big.get((node, z)), mixed)
            zs.append((z, f, b, m))
        nodes.append((node, zs))
    open("pagetypeinfo-%s.txt" % name, "w").write(pagetypeinfo(nodes, types, nr_orders, pb_order, capping))
    open("buddyinfo-%s.txt" % name, "w").write(buddy_from(nodes, types, nr_orders))

# 3.10 (RHEL 7 era): MAX_ORDER 11, Reserve, no CMA, MEMORY_ISOLATION, no cap, two nodes
make("3.10-reserve", 310, [(0, ["DMA", "DMA32", "Normal"]), (1, ["Normal"])],
     ["Unmovable", "Reclaimable", "Movable", "Reserve", "Isolate"], 11, 9, False)
# 4.19 without CONFIG_MEMORY_ISOLATION (and no CMA): four types
make("4.19-noisolate", 419, [(0, ["DMA", "DMA32", "Normal"])],
     ["Unmovable", "Movable", "Reclaimable", "HighAtomic"], 11, 9, False)
# 5.10 arm64 4K pages with CMA, MEMORY_ISOLATION, PAGE_OWNER on; capped counts
make("5.10-cma", 510, [(0, ["DMA", "DMA32", "Normal"])],
     ["Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"], 11, 9, True,
     big={(0, "Normal"): [("Movable", 0, 163840), ("Movable", 1, 100000), ("Movable", 2, 99999)]},
     mixed=True)
# 6.12 arm64 16K pages: ARCH_FORCE_MAX_ORDER 11 -> 12 orders, pageblock order 11
make("6.12-arm64-16k", 612, [(0, ["DMA", "Normal"])],
     ["Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"], 12, 11, True)
# buddyinfo only: x86_64 two nodes with a Movable zone (movablecore=)
rng = random.Random(1)
out = ""
for node, zs in [(0, ["DMA", "DMA32", "Normal"]), (1, ["Normal", "Movable"])]:
    for z in zs:
        out += buddy_line(node, z, [rng.randint(0, 5000 >> o) for o in range(11)])
open("buddyinfo-multinode.txt", "w").write(out)
# buddyinfo only: arm64 64K pages, ARCH_FORCE_MAX_ORDER 13 -> 14 orders
out = buddy_line(0, "DMA", [rng.randint(0, 900 >> (o // 2)) for o in range(14)])
out += buddy_line(0, "Normal", [rng.randint(0, 4000 >> (o // 2)) for o in range(14)])
open("buddyinfo-6.12-arm64-64k.txt", "w").write(out)
