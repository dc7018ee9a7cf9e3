"""Round 10 of the anomaly protocol (bench/quality/README.md), outside sae:
the distance of a row to its nearest training rows in the model's scaled
units, beside the reconstruction error.

    /usr/bin/python3 bench/quality/round10.py SAE_BINARY OUT.json   (FOLDS=0,1,2 by default)

For each of the 41 sets' three development folds: sae train + sae score as
shipped (c0); the training rows and the fold's held-out rows scaled as sae
scales them (robust per column below 64 columns, one global scale at 64 or
more); for each of 10 subsamples of min(256, n) training rows (numpy seeds
0..9), a held-out row's mean squared distance per column to its 5 nearest
subsample rows, averaged over the subsamples (c5: subsamples of 256 rows, as
Isolation Forest's trees take, keep clustered or repeated anomalies from
being each other's neighbours; five neighbours keep one repeated row from
giving a distance of zero); the geometric mean of c0 and c5 (c6); c6 on data
of fewer than 64 columns and c0 at 64 or more (c7: the rule by which sae
already chooses its scaling); Isolation Forest beside them.

The rule, fixed before the first figure was read (means over the three folds):
a candidate passes if the tabular group's mean ROC AUC rises over c0's by at
least 0.5, the embeddings' does not fall, the tabular wins against Isolation
Forest (per set, mean over folds) do not fall, and no more tabular sets are
more than 10 points below Isolation Forest than with c0. If c6 passes it is
adopted (one rule for all data); else c7 if it passes; else neither. c5 alone
is reported for information."""
import sys, os, json, subprocess, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, data
from multiprocessing import Pool
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
SAE = sys.argv[1] if __name__ == '__main__' else None
FOLDS = [int(f) for f in os.environ.get('FOLDS', '0,1,2').split(',')]
SUBSAMPLES, SUBSAMPLE_ROWS, K = 10, 256, 5


def run(*a):
    p = subprocess.run([SAE] + [str(x) for x in a], capture_output=True, text=True)
    if p.returncode: raise RuntimeError(p.stderr)


def scale(Xtr, Xte):
    """sae's auto scaling for mse: robust per column below 64 columns
    (median; max(IQR/1.349, sd/10)), else the mean and one scale, the root
    mean square of the columns' sds; a constant column's scale is 1."""
    d = Xtr.shape[1]
    sd = Xtr.std(0)
    if d >= 64:
        shift = Xtr.mean(0)
        s = np.sqrt((sd ** 2).mean())
        sc = np.full(d, s if s > 0 else 1.0)
    else:
        shift = np.median(Xtr, 0)
        q1, q3 = np.quantile(Xtr, [0.25, 0.75], axis=0)
        sc = np.maximum((q3 - q1) / 1.349, sd / 10)
        sc[sc <= 0] = 1.0
    return (Xtr - shift) / sc, (Xte - shift) / sc


def knn_dist(tr, te):
    """Mean over the subsamples of each held-out row's mean squared distance
    per column to its K nearest subsample rows."""
    out = np.zeros(len(te))
    te2 = (te ** 2).sum(1)
    for s in range(SUBSAMPLES):
        rng = np.random.RandomState(s)
        sub = tr[rng.choice(len(tr), min(SUBSAMPLE_ROWS, len(tr)), replace=False)]
        d2 = np.maximum(te2[:, None] - 2 * te @ sub.T + (sub ** 2).sum(1)[None, :], 0)
        k = min(K, len(sub))
        out += np.partition(d2, k - 1, axis=1)[:, :k].mean(1) / tr.shape[1]
    return out / SUBSAMPLES


def task(t):
    g, name, path, fold = t
    Xtr, Xte, ytr, yte, info = data.protocol_split(path)
    Xtr, Xte, ytr, yte = list(data.dev_folds(Xtr, ytr))[fold]
    with tempfile.TemporaryDirectory() as w:
        np.save(w + '/tr.npy', Xtr.astype(np.float32)); np.save(w + '/te.npy', Xte.astype(np.float32))
        run('train', '--data', w + '/tr.npy', '--out', w + '/m', '--seed', 1, '--threads', 1, '--quiet')
        run('score', '--model', w + '/m', '--data', w + '/te.npy', '--out', w + '/ste.npy')
        s0 = np.load(w + '/ste.npy')[:, 0].astype(float)
    s5 = knn_dist(*scale(Xtr, Xte))
    l0, l5 = np.log(s0 + 1e-30), np.log(s5 + 1e-30)
    out = {'group': g, 'name': name, 'fold': fold, 'features': int(Xtr.shape[1])}
    out['c0'] = roc_auc_score(yte, s0); out['c5'] = roc_auc_score(yte, s5)
    out['c6'] = roc_auc_score(yte, 0.5 * l0 + 0.5 * l5)
    out['c7'] = out['c6'] if Xtr.shape[1] < 64 else out['c0']
    out['if'] = roc_auc_score(yte, -IsolationForest(n_estimators=100, random_state=1).fit(Xtr).score_samples(Xte))
    return out


def summary(res, cands=('c0', 'c5', 'c6', 'c7', 'if')):
    """Each group's mean ROC AUC x 100 per candidate (each set's mean over
    its folds), its wins against Isolation Forest and its sets more than 10
    points below it."""
    by = {}
    for r in res:
        by.setdefault((r['group'], r['name']), []).append(r)
    for g in ('adbench', 'embeddings'):
        sets = {n: rs for (gg, n), rs in by.items() if gg == g}
        m = lambda rs, c: 100 * np.mean([r[c] for r in rs])
        line = [g]
        for c in cands:
            per = [m(rs, c) for rs in sets.values()]
            d = [m(rs, c) - m(rs, 'if') for rs in sets.values()]
            line.append('%s %.2f (wins %d, >10 below %d)' % (c, np.mean(per), sum(x > 0 for x in d), sum(x < -10 for x in d)))
        print('; '.join(line))


if __name__ == '__main__':
    if len(sys.argv) == 2:
        summary(json.load(open(sys.argv[1]))); sys.exit()
    sets = data.anomaly_sets(os.environ.get('DATA_ROOT', '../shared/data'))
    tasks = [(g, n, p, f) for g, n, p in sets for f in FOLDS]
    tasks.sort(key=lambda t: -os.path.getsize(t[2]))
    res = []
    with Pool(2) as pool:
        for r in pool.imap_unordered(task, tasks):
            res.append(r); print(json.dumps(r), flush=True)
    json.dump(res, open(sys.argv[2], 'w'))
    summary(res)
