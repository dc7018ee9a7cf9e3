"""Which start a `--stacked --labels` classifier keeps, on development folds:
the pre-trained network, the same network from random initialisation, or
the one of the two with the lower validation cross-entropy.

    /usr/bin/python3 bench/quality/stacked_start.py SAE_BINARY OUT.json   (SEEDS=1,2,3; FILTER=a,b)

stacked_sets.py found the pre-trained network behind the network from
scratch on 12 of 19 two-class tables (the anomaly sets' labels as classes),
by a test row or two on most. A classifier the user asks for with
--stacked --labels should be at least as good as the network from scratch.
The candidate: train both (the pre-trained network, then the same widths
from random initialisation with the same supervised phase and validation
rows) and keep the one whose best epoch has the lower mean cross-entropy on
the validation rows (each run's own rule picks its best epoch).

No test part is read: each tabular set but InternetAds (whose 1,555 columns
hold one run for minutes) is split as stacked_sets.py splits it, and only
its training part is used, split again 70/30 (stratified, seed 101) into a
development training part and a development test part. Each run is `sae
train --stacked --labels` (defaults, --ensemble 1) or `--epochs -1 --layers`
as resolved, seeds 1-3; the validation cross-entropy of each run's best
epoch is read from its config.json; accuracy on the development test part.

The rule, fixed before the first figure was read: the choice is adopted if,
over the sets and seeds (each set's mean over its seeds), its mean accuracy
is at least the network from scratch's and at least the pre-trained
network's, and it is behind the network from scratch on fewer sets than the
pre-trained network is (by a set's mean over seeds)."""
import sys, os, json, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, data
from multiprocessing import Pool
from sklearn.model_selection import train_test_split
run, EXTRA = data.script_args(__name__ == '__main__')
SEEDS = [int(s) for s in os.environ.get('SEEDS', '1,2,3').split(',')]


def best_val(model):
    t = json.load(open(model + '/config.json'))['training']
    return float(t['val_loss'][t['best_epoch'] - 1])  # best_epoch counts from 1


def task(t):
    g, name, path, seed = t
    with tempfile.TemporaryDirectory() as w:
        data.labelled_split(path, w)
        X, y = np.load(w + '/tr.npy'), np.load(w + '/ytr.npy')
        a, b, ya, yb = train_test_split(X, y, test_size=0.3, stratify=y, random_state=101)
        for n, v in (('dtr', a), ('dte', b), ('ydtr', ya)):
            np.save(w + '/' + n + '.npy', v)
        out = {'group': g, 'name': name, 'seed': seed, 'rows': len(a), 'd': int(X.shape[1])}
        layers = None
        for kind, flags in (('stacked', ['--stacked']), ('random', ['--epochs', -1])):
            m = w + '/' + kind
            if kind == 'random':
                flags = flags + ['--layers', layers]
            run('train', '--data', w + '/dtr.npy', '--labels', w + '/ydtr.npy', '--out', m, '--seed', seed,
                '--threads', 1, '--quiet', '--ensemble', 1, *flags, *EXTRA)
            if layers is None:
                layers = ','.join(str(v) for v in json.load(open(m + '/config.json'))['config']['layers'])
            run('predict', '--model', m, '--data', w + '/dte.npy', '--out', w + '/p.npy')
            out[kind] = float(np.mean(np.argmax(np.load(w + '/p.npy'), 1) == yb))
            out[kind + '_val'] = best_val(m)
        out['choice'] = out['stacked'] if out['stacked_val'] <= out['random_val'] else out['random']
        out['layers'] = layers
    return out


def summary(res):
    by = {}
    for r in res:
        by.setdefault(r['name'], []).append(r)
    m = {k: {c: 100 * np.mean([r[c] for r in rs]) for c in ('stacked', 'random', 'choice')} for k, rs in by.items()}
    for c in ('stacked', 'random', 'choice'):
        print('%s: mean %.2f, behind random init on %d of %d sets' % (
            c, np.mean([v[c] for v in m.values()]), sum(v[c] < v['random'] - 1e-9 for v in m.values()), len(m)))
    print('picked random init on %d of %d runs' % (sum(r['random_val'] < r['stacked_val'] for r in res), len(res)))
    for k, v in sorted(m.items()):
        print('%-16s stacked %6.2f random %6.2f choice %6.2f' % (k, v['stacked'], v['random'], v['choice']))


if __name__ == '__main__':
    if len(sys.argv) == 2:
        summary(json.load(open(sys.argv[1]))); sys.exit()
    keep = [f for f in os.environ.get('FILTER', '').split(',') if f]
    sets = [s for s in data.anomaly_sets(os.environ.get('DATA_ROOT', '../shared/data'))
            if s[0] == 'adbench' and s[1] != '17_InternetAds' and (not keep or s[1] in keep)]
    tasks = sorted(((g, n, p, s) for g, n, p in sets for s in SEEDS), key=lambda t: (t[3], -os.path.getsize(t[2])))
    res = []
    with Pool(2) as pool:
        for r in pool.imap_unordered(task, tasks):
            print(json.dumps(r), flush=True); res.append(r)
    json.dump(res, open(sys.argv[2], 'w'), indent=1)
    summary(res)
