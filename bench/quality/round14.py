"""Round 14 of the anomaly protocol (bench/quality/README.md), outside sae:
the neighbour view in standard scaling below 64 columns.

    /usr/bin/python3 bench/quality/round14.py OUT.json   (FOLDS=0,1,2 by default)

The neighbour distance (round 10) is measured in the data's default
scaling: below 64 columns each column is scaled robustly, by max(IQR/1.349,
sd/10) about its median. A column that is constant but for a minority of
rows (a one-hot category of under a quarter of the rows, a flag) has an IQR
of zero and takes sd/10: a row in the minority sits ten standard deviations
further out than it would in standard units, and such columns rule the
distance (campaign has dozens of them). The candidate:

c16: c8 (shipped) with the neighbour distance measured in standard scaling
     (each column's mean and standard deviation on the training rows, 1 for
     a constant column) on data below 64 columns; at 64 or more columns
     the shipped global scaling, so the embeddings and InternetAds are c8's;
c18: c16's distance alone (for information).

The reconstruction view is unchanged: its rows come from rounds 11 and 13
(ROWS_FROM and ROWS_TO of round13.py; no training here). Isolation Forest
beside them.

The rule, fixed before the first figure was read (round 13's): c16 is adopted
if the tabular group's mean ROC AUC rises over c8's by at least 0.5, and by
at least 0.25 without the one set of largest gain; the embeddings' mean falls
by at most 0.1; the wins against Isolation Forest do not fall in either
group; and no more sets of either group are more than 10 points below
Isolation Forest than with c8."""
import sys, os, json
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, data
from multiprocessing import Pool
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
import round10, round12, round13
FOLDS = [int(f) for f in os.environ.get('FOLDS', '0,1,2').split(',')]


def standard(Xtr, Xte):
    """Each column's mean and standard deviation on the training rows (1
    for a constant column)."""
    mu, sd = Xtr.mean(0), Xtr.std(0)
    sd[sd <= 0] = 1.0
    return (Xtr - mu) / sd, (Xte - mu) / sd


def task(t):
    g, name, path, fold = t
    Xtr, Xte, ytr, yte, info = data.protocol_split(path)
    Xtr, Xte, ytr, yte = list(data.dev_folds(Xtr, ytr))[fold]
    s0, s0tr = round13.recon(name, fold, Xtr, Xte, yte)
    lg = lambda v: np.log(v + 1e-30)
    z = lambda v, ref: (lg(v) - lg(ref).mean()) / max(lg(ref).std(), 1e-12)
    out = {'group': g, 'name': name, 'fold': fold, 'features': int(Xtr.shape[1])}
    for c, sc in (('c8', round10.scale), ('c16', standard if Xtr.shape[1] < 64 else round10.scale)):
        tr, te = sc(Xtr, Xte)
        s5, s5tr = round12.knn(tr, te, False, False), round12.knn(tr, tr, True, False)
        out[c] = roc_auc_score(yte, z(s0, s0tr) + z(s5, s5tr))
        if c == 'c16':
            out['c18'] = roc_auc_score(yte, s5)
    out['if'] = roc_auc_score(yte, -IsolationForest(n_estimators=100, random_state=1).fit(Xtr).score_samples(Xte))
    return out


def summary(res):
    round10.summary(res, ('c8', 'c16', 'c18', 'if'))
    by = {}
    for r in res:
        by.setdefault((r['group'], r['name']), []).append(r)
    for g in ('adbench', 'embeddings'):
        gain = sorted((100 * np.mean([r['c16'] - r['c8'] for r in rs]), n) for (gg, n), rs in by.items() if gg == g)
        if gain:
            print('%s c16 - c8: mean %.2f, without the largest (%s %+.2f) %.2f, %d up, %d down; per set: %s' % (
                g, np.mean([x for x, _ in gain]), gain[-1][1], gain[-1][0], np.mean([x for x, _ in gain[:-1]]),
                sum(x >= 0.1 for x, _ in gain), sum(x <= -0.1 for x, _ in gain),
                ', '.join('%s %+.1f' % (n, x) for x, n in gain)))


if __name__ == '__main__':
    if len(sys.argv) == 2 and os.path.exists(sys.argv[1]):
        summary(json.load(open(sys.argv[1]))); sys.exit()
    sets = data.anomaly_sets(os.environ.get('DATA_ROOT', '../shared/data'))
    tasks = [(g, n, p, f) for g, n, p in sets for f in FOLDS]
    tasks.sort(key=lambda t: -os.path.getsize(t[2]))
    res = []
    with Pool(2) as pool:
        for r in pool.imap_unordered(task, tasks):
            res.append(r); print(json.dumps(r), flush=True)
    json.dump(res, open(sys.argv[1], 'w'))
    summary(res)
