"""How much the baseline moves with its own draw: Isolation Forest (100
trees) with random_state 1 to 10 on the development folds of the 41 sets
(bench/quality/README.md), each group's mean ROC AUC x 100 per seed.

    /usr/bin/python3 bench/quality/if_seeds.py OUT.json   (FOLDS=0,1,2 by default)
    /usr/bin/python3 bench/quality/if_seeds.py OUT.json   (again: the summary of a saved run)"""
import sys, os, json
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, data
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from multiprocessing import Pool
FOLDS = [int(f) for f in os.environ.get('FOLDS', '0,1,2').split(',')]
SEEDS = range(1, 11)


def task(t):
    g, name, path, fold = t
    Xtr, Xte, ytr, yte, info = data.protocol_split(path)
    Xtr, Xte, ytr, yte = list(data.dev_folds(Xtr, ytr))[fold]
    return [g, name, fold, [roc_auc_score(yte, -IsolationForest(n_estimators=100, random_state=s).fit(Xtr).score_samples(Xte))
                            for s in SEEDS]]


def summary(res):
    by = {}
    for g, n, f, a in res:
        by.setdefault((g, n), []).append(a)
    for g in ('adbench', 'embeddings'):
        means = 100 * np.array([np.mean(v, 0) for (gg, n), v in sorted(by.items()) if gg == g]).mean(0)
        print('%s: per random_state %s; mean %.2f, sd %.2f' % (g, ' '.join('%.2f' % x for x in means), means.mean(), means.std()))


if __name__ == '__main__':
    if os.path.exists(sys.argv[1]):
        summary(json.load(open(sys.argv[1]))); sys.exit()
    sets = data.anomaly_sets(os.environ.get('DATA_ROOT', '../shared/data'))
    with Pool(2) as pool:
        res = pool.map(task, [(g, n, p, f) for g, n, p in sets for f in FOLDS])
    json.dump(res, open(sys.argv[1], 'w'))
    summary(res)
