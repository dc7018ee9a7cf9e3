"""Round 8 of the anomaly protocol (bench/quality/README.md), outside sae:
per-column normalised reconstruction errors of the detector's members.

    /usr/bin/python3 bench/quality/round8.py SAE_BINARY OUT.json   (FOLDS=0 by default)

For each of the 41 sets' development fold: sae train + sae score as shipped
(c0); each member's squared error per column divided by that column's mean
squared error on the training rows, summed, geometric mean over members
(c1); the geometric mean of c0 and c1 (c2); Isolation Forest beside them."""
import sys, os, json, subprocess, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, data
from multiprocessing import Pool
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
SAE = sys.argv[1] if __name__ == '__main__' else None
FOLDS = [int(f) for f in os.environ.get('FOLDS', '0').split(',')]
def run(*a):
    p = subprocess.run([SAE] + [str(x) for x in a], capture_output=True, text=True)
    if p.returncode: raise RuntimeError(p.stderr)
def task(t):
    g, name, path, fold = t
    Xtr, Xte, ytr, yte, info = data.protocol_split(path)
    Xtr, Xte, ytr, yte = list(data.dev_folds(Xtr, ytr))[fold]
    with tempfile.TemporaryDirectory() as w:
        np.save(w + '/tr.npy', Xtr.astype(np.float32)); np.save(w + '/te.npy', Xte.astype(np.float32))
        run('train', '--data', w + '/tr.npy', '--out', w + '/m', '--seed', 1, '--threads', 1, '--quiet')
        run('score', '--model', w + '/m', '--data', w + '/te.npy', '--out', w + '/ste.npy')
        s0 = np.load(w + '/ste.npy')[:, 0].astype(float)
        mems = sorted(os.listdir(w + '/m/detector')) if os.path.isdir(w + '/m/detector') else []
        dirs = [w + '/m/detector/' + m for m in mems]
        c = json.load(open(w + '/m/config.json'))['config']
        if c.get('sparsity') not in ('topk', 'batchtopk', 'matryoshka', 'gated'):
            dirs = [w + '/m'] + dirs
        logs1 = []
        for d in dirs:
            run('reconstruct', '--model', d, '--data', w + '/tr.npy', '--out', w + '/rtr.npy')
            run('reconstruct', '--model', d, '--data', w + '/te.npy', '--out', w + '/rte.npy')
            etr = (np.load(w + '/rtr.npy') - Xtr) ** 2; ete = (np.load(w + '/rte.npy') - Xte) ** 2
            scale = etr.mean(0); scale = np.where(scale > 1e-12 * max(scale.max(), 1e-30), scale, np.inf)
            logs1.append(np.log((ete / scale).sum(1) + 1e-30))
        c1 = np.mean(logs1, 0)
    out = {'group': g, 'name': name, 'fold': fold, 'members': len(dirs)}
    out['c0'] = roc_auc_score(yte, s0); out['c1'] = roc_auc_score(yte, c1)
    out['c2'] = roc_auc_score(yte, 0.5 * np.log(s0 + 1e-30) + 0.5 * c1)
    out['if'] = roc_auc_score(yte, -IsolationForest(n_estimators=100, random_state=1).fit(Xtr).score_samples(Xte))
    return out
if __name__ == '__main__':
    sets = data.anomaly_sets(os.environ.get('DATA_ROOT', '../shared/data'))
    tasks = [(g, n, p, f) for g, n, p in sets for f in FOLDS]
    tasks.sort(key=lambda t: -os.path.getsize(t[2]))
    res = []
    with Pool(2) as pool:
        for r in pool.imap_unordered(task, tasks):
            res.append(r); print(json.dumps(r), flush=True)
    json.dump(res, open(sys.argv[2], 'w'))
