"""log_shape against Drain3 on loghub's labelled 2k samples: grouping accuracy per system, same run.

Grouping accuracy (GA, as in the log-parsing benchmark literature — Zhu et al., "Tools and Benchmarks for
Automated Log Parsing", ICSE-SEIP 2019): a message is parsed correctly when the group a parser puts it in
holds exactly the messages that share its ground-truth template. GA = correctly grouped messages / all.

Both parsers see the same input: each line's Content (the message after the header) from
`*_2k.log_structured.csv`. Drain3 runs with its default configuration (no masking rules) — the way a user
meets it — and also with the masking config its README suggests (IPs, numbers, hex), printed as a second
column. log_shape runs through SQL (`SELECT log_shape(?)`) in the built extension.

    python3 Benchmarks/peers/log_shape.py [--csv out.csv]
"""
import collections
import csv
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from common import ROOT, ensure_venv, strata  # noqa: E402

LOGHUB = ROOT.parent / "shared" / "data" / "loghub"


def grouping_accuracy(truth, predicted):
    """truth, predicted: one label per message. GA = share of messages whose predicted group equals their
    true group as a set of message indexes."""
    by_truth = collections.defaultdict(set)
    by_pred = collections.defaultdict(set)
    for i, (t, p) in enumerate(zip(truth, predicted)):
        by_truth[t].add(i)
        by_pred[p].add(i)
    correct = 0
    for members in by_pred.values():
        i = next(iter(members))
        if by_truth[truth[i]] == members:
            correct += len(members)
    return correct / len(truth)


def load(system):
    path = LOGHUB / system / f"{system}_2k.log_structured.csv"
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["Content"] for r in rows], [r["EventId"] for r in rows]


def drain3_groups(messages, masking):
    from drain3 import TemplateMiner
    from drain3.template_miner_config import TemplateMinerConfig
    from drain3.masking import MaskingInstruction
    config = TemplateMinerConfig()
    config.profiling_enabled = False
    if masking:
        # The masking instructions from drain3's README / example config.
        config.masking_instructions = [
            MaskingInstruction(r"((?<=[^A-Za-z0-9])|^)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})((?=[^A-Za-z0-9])|$)", "IP"),
            MaskingInstruction(r"((?<=[^A-Za-z0-9])|^)([\-\+]?\d+)((?=[^A-Za-z0-9])|$)", "NUM"),
            MaskingInstruction(r"((?<=[^A-Za-z0-9])|^)(0x[a-f0-9A-F]+)((?=[^A-Za-z0-9])|$)", "HEX"),
        ]
    miner = TemplateMiner(config=config)
    ids = [miner.add_log_message(m)["cluster_id"] for m in messages]
    # Drain's clusters change as it learns: classify every message again against the final clusters.
    return [(miner.match(m) or miner.drain.id_to_cluster[i]).cluster_id if hasattr(miner, "match") else i
            for m, i in zip(messages, ids)]


def main():
    ensure_venv(["drain3"])
    out_csv = sys.argv[sys.argv.index("--csv") + 1] if "--csv" in sys.argv else None
    db = strata()
    systems = sorted(p.name for p in LOGHUB.iterdir() if (p / f"{p.name}_2k.log_structured.csv").exists())
    table = []
    for s in systems:
        messages, truth = load(s)
        shapes = [db.execute("select log_shape(?)", (m,)).fetchone()[0] for m in messages]
        table.append((s, grouping_accuracy(truth, shapes), grouping_accuracy(truth, drain3_groups(messages, False)),
                      grouping_accuracy(truth, drain3_groups(messages, True)), len(set(truth)), len(set(shapes))))
    print(f"{'system':<12} {'log_shape':>9} {'drain3':>7} {'drain3+mask':>11} {'templates':>9} {'shapes':>7}")
    for s, ga, d, dm, nt, ns in table:
        print(f"{s:<12} {ga:9.3f} {d:7.3f} {dm:11.3f} {nt:9d} {ns:7d}")
    n = len(table)
    avg = [sum(r[i] for r in table) / n for i in (1, 2, 3)]
    print(f"{'average':<12} {avg[0]:9.3f} {avg[1]:7.3f} {avg[2]:11.3f}")
    if out_csv:
        with open(out_csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["system", "log_shape_ga", "drain3_ga", "drain3_masked_ga", "templates", "shapes"])
            w.writerows(table)


if __name__ == "__main__":
    main()
