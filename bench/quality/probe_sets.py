"""Feature learning beyond the quality table's sets: `sae probe` on the codes of
`sae train` with no flags (but --ensemble 1: the anomaly detector beside a
dictionary does not touch its codes) beside the raw input, on the 41 anomaly
sets with their labels (normal / anomaly) as the classes.

    /usr/bin/python3 bench/quality/probe_sets.py SAE_BINARY OUT.json [sae train flags...]

Each set: more than 10,000 rows -> 10,000 drawn (numpy seed 1); a stratified
70/30 split (seed 1); unlike the anomaly protocol, no rows are drawn twice (a
probe would meet its training rows again in the test part). FILTER=a,b keeps
the sets whose name holds any of them; DATA_ROOT (default ../shared/data). Prints a
JSON line a set, then each group's mean and median gain (points of test
accuracy) and its wins and losses."""
import sys, os, json, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, data
from multiprocessing import Pool
run, EXTRA = data.script_args(__name__ == '__main__')


def task(t):
    g, name, path = t
    with tempfile.TemporaryDirectory() as w:
        rows, d, yte = data.labelled_split(path, w)
        run('train', '--data', w + '/tr.npy', '--out', w + '/m', '--seed', 1, '--threads', 1, '--quiet', '--ensemble', 1, *EXTRA)
        out = run('probe', '--model', w + '/m', '--data', w + '/tr.npy', '--labels', w + '/ytr.npy', '--test', w + '/te.npy',
                  '--test-labels', w + '/yte.npy', '--threads', 1, '--quiet', '--json')
        r = json.loads(out.strip().splitlines()[-1])
        arch = json.load(open(w + '/m/config.json'))['architecture']
    return {'group': g, 'name': name, 'rows': rows, 'd': d, 'hidden': arch['hidden'], 'k': arch.get('k'),
            'code': r['code_accuracy'], 'raw': r['raw_accuracy'], 'majority': float(max(yte.mean(), 1 - yte.mean()))}


if __name__ == '__main__':
    keep = os.environ.get('FILTER', '').split(',')
    sets = [s for s in data.anomaly_sets(os.environ.get('DATA_ROOT', '../shared/data')) if any(k in s[1] for k in keep)]
    sets.sort(key=lambda t: -os.path.getsize(t[2]))
    res = []
    with Pool(2) as pool:
        for r in pool.imap_unordered(task, sets):
            res.append(r); print(json.dumps(r), flush=True)
    json.dump(res, open(sys.argv[2], 'w'))
    for g in ('adbench', 'embeddings'):
        d = np.array([100 * (r['code'] - r['raw']) for r in res if r['group'] == g])
        if len(d):
            print('%s: %d sets, gain mean %+.2f, median %+.2f, codes ahead on %d, behind on %d'
                  % (g, len(d), d.mean(), np.median(d), (d > 0).sum(), (d < 0).sum()))
