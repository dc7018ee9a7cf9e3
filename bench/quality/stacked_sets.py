"""Stacked + labels beyond the quality table's sets: `sae train --stacked
--labels` with defaults (but --ensemble 1: the anomaly detector trains after
the classifier and does not touch it) on the 41 anomaly sets with their
labels (normal / anomaly) as the classes, beside the same network from random
initialisation (`--epochs -1 --layers` as resolved) and logistic regression on
the raw input (`sae probe`'s raw probe); test accuracy of `sae predict`.

    /usr/bin/python3 bench/quality/stacked_sets.py SAE_BINARY OUT.json [sae train flags...]

Each set is split as probe_sets.py splits it (more than 10,000 rows -> 10,000
drawn, numpy seed 1; stratified 70/30, seed 1; no rows drawn twice). FILTER=a,b
keeps the sets so named; DATA_ROOT (default ../shared/data). Prints a JSON
line a set, then each group's mean accuracy of the three and the sets where
the stacked network is behind either baseline."""
import sys, os, json, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, data
from multiprocessing import Pool
run, EXTRA = data.script_args(__name__ == '__main__')


def task(t):
    g, name, path = t
    with tempfile.TemporaryDirectory() as w:
        rows, d, yte = data.labelled_split(path, w)
        out = {'group': g, 'name': name, 'rows': rows, 'd': d, 'majority': float(max(np.mean(yte), 1 - np.mean(yte)))}
        layers = None
        for kind, flags in (('stacked', ['--stacked']), ('random', ['--epochs', -1])):
            m = w + '/' + kind
            if kind == 'random':
                flags = flags + ['--layers', layers]
            run('train', '--data', w + '/tr.npy', '--labels', w + '/ytr.npy', '--out', m, '--seed', 1, '--threads', 1,
                '--quiet', '--ensemble', 1, *flags, *EXTRA)
            if layers is None:
                with open(m + '/config.json') as f:
                    layers = ','.join(str(v) for v in json.load(f)['config']['layers'])
            run('predict', '--model', m, '--data', w + '/te.npy', '--out', w + '/p.npy')
            out[kind] = float(np.mean(np.argmax(np.load(w + '/p.npy'), 1) == yte))
        p = json.loads(run('probe', '--model', w + '/stacked', '--data', w + '/tr.npy', '--labels', w + '/ytr.npy',
                           '--test', w + '/te.npy', '--test-labels', w + '/yte.npy', '--threads', 1, '--json'))
        out['logistic_raw'] = p['raw_accuracy']
        out['layers'] = layers
    return out


if __name__ == '__main__':
    keep = [f for f in os.environ.get('FILTER', '').split(',') if f]
    sets = [s for s in data.anomaly_sets(os.environ.get('DATA_ROOT', '../shared/data')) if not keep or s[1] in keep]
    if not sets:
        raise SystemExit('no anomaly sets under DATA_ROOT')
    res = []
    with Pool(2) as pool:
        for r in pool.imap(task, sets):
            print(json.dumps(r), flush=True)
            res.append(r)
    json.dump(res, open(sys.argv[2], 'w'), indent=1)
    for g in ('adbench', 'embeddings'):
        rs = [r for r in res if r['group'] == g]
        if not rs:
            continue
        behind = ['%s (%.2f vs random %.2f, logistic %.2f)' % (r['name'], 100 * r['stacked'], 100 * r['random'],
                                                              100 * r['logistic_raw'])
                  for r in rs if r['stacked'] < max(r['random'], r['logistic_raw'])]
        print('%s: %d sets, accuracy mean: stacked %.2f, random init %.2f, logistic regression %.2f; '
              'stacked behind either on %d: %s' % (g, len(rs), 100 * np.mean([r['stacked'] for r in rs]),
                                                   100 * np.mean([r['random'] for r in rs]),
                                                   100 * np.mean([r['logistic_raw'] for r in rs]), len(behind),
                                                   '; '.join(behind)))
