"""The plateau schedule's least patience where a step is cheap: the default
model's objective on held-out rows, two builds side by side.

    /usr/bin/python3 bench/quality/patience.py BASE_BINARY CAND_BINARY OUT.json   (FILTER=a,b; DATA_ROOT)

The convergence table found the default run behind the same configuration
trained 4x longer on iris and breast cancer, where an epoch is a step or two
and the plateau schedule's least patience (1,000 steps) let the rate drop
while the objective still improved a little. First look (development splits
of iris, wine and breast cancer below, seeds 1-8, every run's least patience
3,000 steps): the test objective 12% lower on iris (better on 4 seeds of 8,
worse on 1), 16% lower on breast cancer (better on 8 of 8), wine level (7 of
8 the same weights); the 4x runs beside them did not beat it. Since a longer
patience costs its time on every run, the candidate waits 3,000 steps only
where a step is cheap: a batch's rows times the network's parameters at most
2^21 (iris, wine, breast cancer and digits; not Fashion-MNIST, the
embeddings, InternetAds or campaign), 1,000 elsewhere.

The rule, fixed with the candidate before the tables below were run: over
the 19 tables' runs (each run's test objective, candidate over base), the
geometric mean of the ratios below 1 and more runs better than worse.

No test part is read. Each tabular set but InternetAds (unchanged by the
candidate: its step is not cheap) is split as stacked_sets.py splits it,
and its training part only is split again 70/30 (stratified, seed 101) into
a development training part and a development test part; scikit-learn's
iris, wine, breast cancer and digits are split 70/30 (seed 1, as the quality
table splits them), and their training parts again 70/30 (seed 101). Each
run is `sae train` with defaults (the tables, seeds 1-2; iris, wine and
breast cancer 1-8; digits 1-4); its objective on the development test part
is `sae eval`'s loss."""
import sys, os, json, tempfile, subprocess
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, data
from multiprocessing import Pool
from sklearn.model_selection import train_test_split

BINS = {}
SMALL_SEEDS = {'iris': 8, 'wine': 8, 'breast_cancer': 8, 'digits': 4}


def sae(binary, *args):
    out = data.run_sae(binary, *args, '--json')
    return json.loads(out.strip().splitlines()[-1])


def train_eval(binary, model, tr, te, seed, *flags):
    """`sae train` on tr (one thread), then the model's objective on te:
    {test, secs, epochs, stop}."""
    j = sae(binary, 'train', '--data', tr, '--out', model, '--seed', seed, '--threads', 1, '--quiet', *flags)
    return {'test': sae(binary, 'eval', '--model', model, '--data', te)['loss'], 'secs': j['train_seconds'],
            'epochs': j['epochs'], 'stop': j.get('stop_reason', '')}


def compare(rs, cand, base):
    """Runs rs' held-out objective, cand over base: the ratios, their
    geometric mean, how many are better, worse and the same (within 0.1%),
    and the median time ratio."""
    ratio = [r[cand]['test'] / r[base]['test'] for r in rs]
    return (ratio, np.exp(np.mean(np.log(ratio))), sum(v < 0.999 for v in ratio), sum(v > 1.001 for v in ratio),
            sum(abs(v - 1) <= 0.001 for v in ratio), np.median([r[cand]['secs'] / r[base]['secs'] for r in rs]))


def task(t):
    group, name, seed, tr, te = t
    out = {'group': group, 'name': name, 'seed': seed}
    with tempfile.TemporaryDirectory() as w:
        for which, binary in BINS.items():
            out[which] = train_eval(binary, w + '/' + which, tr, te, seed)
    return out


def table_splits(work):
    """(name, directory, development training rows, development test rows,
    their labels) of the 19 tables but InternetAds: each set split as
    stacked_sets.py splits it (data.labelled_split, under work/name), its
    training part split again 70/30 (stratified, seed 101)."""
    out = []
    for g, name, path in data.anomaly_sets(os.environ.get('DATA_ROOT', '../shared/data')):
        if g != 'adbench' or 'InternetAds' in name:
            continue
        w = os.path.join(work, name)
        os.makedirs(w)
        data.labelled_split(path, w)
        X, y = np.load(w + '/tr.npy'), np.load(w + '/ytr.npy')
        a, b, _, yb = train_test_split(X, y, test_size=0.3, stratify=y, random_state=101)
        out.append((name, w, a, b, yb))
    return out


def two_builds(summary, doc):
    """The command line of a script that compares two builds, BASE CAND
    OUT.json: sets BINS' base and cand and returns OUT.json's path; with a
    saved OUT.json alone, prints its summary again and exits."""
    if len(sys.argv) == 2:
        summary(json.load(open(sys.argv[1])))
        sys.exit()
    if len(sys.argv) != 4:
        sys.exit(doc)
    BINS.update(base=os.path.abspath(sys.argv[1]), cand=os.path.abspath(sys.argv[2]))
    return sys.argv[3]


def splits(work):
    """(group, name, seeds, train path, test path) of every set's development split."""
    out = [('tables', name, 2, w, a, b) for name, w, a, b, _ in table_splits(work)]
    for name, X, y, _ in data.small_sets():
        a, _, ya, _ = train_test_split(X, y, test_size=0.3, stratify=y, random_state=data.PROTOCOL_SEED)
        a, b = train_test_split(a, test_size=0.3, stratify=ya, random_state=101)
        w = os.path.join(work, name)
        os.makedirs(w)
        out.append(('small', name, SMALL_SEEDS[name], w, a, b))
    res = []
    for g, name, seeds, w, a, b in out:
        np.save(w + '/dtr.npy', a.astype(np.float32))
        np.save(w + '/dte.npy', b.astype(np.float32))
        res.append((g, name, seeds, w + '/dtr.npy', w + '/dte.npy'))
    return res


def run_tasks(task):
    """task(group, name, seed, train path, test path) over every development
    split and seed (FILTER=a,b: those sets only), two at a time."""
    keep = set(filter(None, os.environ.get('FILTER', '').split(',')))
    with tempfile.TemporaryDirectory() as work:
        tasks = [(g, name, seed, tr, te) for g, name, seeds, tr, te in splits(work)
                 for seed in range(1, seeds + 1) if not keep or name in keep]
        with Pool(2) as p:
            return p.map(task, tasks, chunksize=1)


def summary(rows):
    for g in ('tables', 'small'):
        rs = [r for r in rows if r['group'] == g]
        if not rs:
            continue
        _, gm, better, worse, same, secs = compare(rs, 'cand', 'base')
        print('%s: %d runs; test objective, candidate over base: geometric mean %.3f, better on %d, worse on %d, '
              'the same on %d (within 0.1%%); time ratio median %.2f' % (g, len(rs), gm, better, worse, same, secs))
        for name in dict.fromkeys(r['name'] for r in rs):
            s = [r for r in rs if r['name'] == name]
            print('  %-16s ratios %s; epochs %s -> %s' % (
                name, ' '.join('%.3f' % v for v in compare(s, 'cand', 'base')[0]),
                ','.join(str(r['base']['epochs']) for r in s), ','.join(str(r['cand']['epochs']) for r in s)))


if __name__ == '__main__':
    out = two_builds(summary, __doc__)
    rows = run_tasks(task)
    json.dump(rows, open(out, 'w'), indent=1)
    summary(rows)
