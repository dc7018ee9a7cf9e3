"""The textbook model as its own anomaly detector, two builds side by side:
`sae train --sparsity kl --seed 1` (the model's own error and two copies of
it, each on the plateau schedule) and `sae score`, ROC AUC on development
splits of the 19 tables but InternetAds (each set split as stacked_sets.py
splits it, its training part split again 70/30, stratified, seed 101; the
labels of the development test part only; no test part read).

    /usr/bin/python3 bench/quality/kl_scores.py BASE_BINARY CAND_BINARY OUT.json   (DATA_ROOT)

Written for the plateau schedule's longer budget where a step is cheap,
which reaches these members; the rule fixed before it ran: a fall of more
than 0.5 points in the mean would send them back to the shorter budget."""
import sys, os, json, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, data, patience
from multiprocessing import Pool
from sklearn.metrics import roc_auc_score

BINS = patience.BINS  # base and cand: patience.two_builds sets them


def task(t):
    name, tr, te, yb = t
    out = {'name': name}
    with tempfile.TemporaryDirectory() as w:
        for which, b in BINS.items():
            m = os.path.join(w, which)
            j = json.loads(data.run_sae(b, 'train', '--data', tr, '--out', m, '--sparsity', 'kl', '--seed', 1,
                                        '--threads', 1, '--quiet', '--json').strip().splitlines()[-1])
            data.run_sae(b, 'score', '--model', m, '--data', te, '--out', m + '.npy')
            out[which] = roc_auc_score(yb, np.load(m + '.npy').ravel())
            out[which + '_stop'], out[which + '_secs'] = j.get('stop_reason'), j['train_seconds']
    return out


def summary(res):
    for r in res:
        print('%-16s base %.4f (%s) cand %.4f (%s) %+.2f' % (r['name'], r['base'], r['base_stop'], r['cand'],
                                                          r['cand_stop'], 100 * (r['cand'] - r['base'])))
    print('ROC AUC mean: base %.2f, candidate %.2f; candidate better on %d, worse on %d' % (
        100 * np.mean([r['base'] for r in res]), 100 * np.mean([r['cand'] for r in res]),
        sum(r['cand'] > r['base'] + 1e-9 for r in res), sum(r['cand'] < r['base'] - 1e-9 for r in res)))


if __name__ == '__main__':
    out = patience.two_builds(summary, __doc__)
    with tempfile.TemporaryDirectory() as work:
        tasks = []
        for name, w, a, b, yb in patience.table_splits(work):
            np.save(w + '/dtr.npy', a)
            np.save(w + '/dte.npy', b)
            tasks.append((name, w + '/dtr.npy', w + '/dte.npy', yb))
        with Pool(2) as p:
            res = p.map(task, tasks, chunksize=1)
    json.dump(res, open(out, 'w'), indent=1)
    summary(res)
