"""The widths of a stacked classifier's layers, on development folds.

    /usr/bin/python3 bench/quality/stacked_widths.py SAE_BINARY OUT.json   (SEEDS=1,2,3; FILTER=a,b)
    /usr/bin/python3 bench/quality/stacked_widths.py OUT.json              (the summary again)

`sae train --stacked --labels` makes two layers of the one-layer default
width and half of it: d/2 and d/4 on a table of d < 64 columns. On the
held-out classification tables (heldout_tables.py) that left letters (16
columns, 26 classes) with layers 8 and 4, a softmax over 26 classes read
from 4 units: 59.4% where a logistic regression on the raw input has 75.7%;
breast cancer biopsies (9 columns, layers 4 and 2) and DNA were behind
logistic regression too.

Candidates, named before the first run (w: the one-layer default width, c:
the number of classes):
  C0 (shipped)  layers w, max(w/2, 2);
  C1            each layer at least c units wide: max(w, c), max(w/2, 2, c);
  C2            C1's floor, and a narrow table's (d < 64) layers overcomplete,
                as the one-layer dictionary of a narrow table is: 2d, d.

Data, no test part read: each of the 19 tabular anomaly sets but
InternetAds with its labels as classes (split as stacked_sets.py splits it)
and scikit-learn's iris, wine, breast cancer and digits (split as the
quality table splits them); each set's training part only, split again
70/30 (stratified, seed 101) into a development training and test part.
Runs: `sae train --stacked --labels --layers L` (the classifier as it
ships, which keeps the better of its pre-trained network and the same
widths from scratch) and `--epochs -1 --layers L` (the network from
scratch), --ensemble 1, seeds 1-3; beside them the raw input's logistic
regression (`sae probe`'s raw accuracy). A candidate's runs are skipped
where its layers are C0's (the same runs).

The rule, fixed before the first figure was read: over the 23 sets (each
set's mean over its seeds), C2 is adopted if its mean accuracy is at least
C0's + 0.1 points, it is behind logistic regression on no more sets than C0
is, and behind its own network from scratch on no more sets than C0 is
behind C0's. Otherwise C1 is adopted if its mean accuracy is at least C0's
and it is behind logistic regression on no more sets than C0 (C1 differs
from C0 only where a layer would be narrower than the classes: iris here;
what it is for is a structural guard, not a gain on these sets)."""
import sys, os, json, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, data
from sklearn.model_selection import train_test_split
run, EXTRA = data.script_args(__name__ == '__main__')
SEEDS = [int(s) for s in os.environ.get('SEEDS', '1,2,3').split(',')]
CANDS = ('C0', 'C1', 'C2')


def default_width(d):
    """config.go's defaultHidden."""
    return min(max(d // 2, 32), 1024) if d >= 64 else max(d // 2, 2)


def layers(cand, d, c):
    w = default_width(d)
    if cand == 'C0':
        return [w, max(w // 2, 2)]
    if cand == 'C2' and d < 64:
        return [max(2 * d, c), max(d, c)]
    return [max(w, c), max(w // 2, 2, c)]



def task(t):
    g, name, path, seed = t
    with tempfile.TemporaryDirectory() as w:
        X, y = data.training_part(name, path, w)
        a, b, ya, yb = train_test_split(X, y, test_size=0.3, stratify=y, random_state=101)
        for n, v in (('dtr', a), ('dte', b), ('ydtr', ya), ('ydte', yb)):
            np.save(w + '/' + n + '.npy', v)
        d, c = X.shape[1], int(y.max()) + 1
        out = {'group': g, 'name': name, 'seed': seed, 'rows': len(a), 'd': int(d), 'classes': c}
        done = {}
        for cand in CANDS:
            L = ','.join(map(str, layers(cand, d, c)))
            out[cand + '_layers'] = L
            if L in done:
                out[cand], out[cand + '_scratch'] = done[L]
                continue
            acc = []
            for kind, flags in (('stacked', ['--stacked']), ('scratch', ['--epochs', -1])):
                m = w + '/' + cand + kind
                run('train', '--data', w + '/dtr.npy', '--labels', w + '/ydtr.npy', '--out', m, '--seed', seed,
                    '--threads', 1, '--quiet', '--ensemble', 1, '--layers', L, *flags, *EXTRA)
                run('predict', '--model', m, '--data', w + '/dte.npy', '--out', w + '/p.npy')
                acc.append(float(np.mean(np.argmax(np.load(w + '/p.npy'), 1) == yb)))
            done[L] = out[cand], out[cand + '_scratch'] = acc
        p = run('probe', '--model', m, '--data', w + '/dtr.npy', '--labels', w + '/ydtr.npy', '--test',
                w + '/dte.npy', '--test-labels', w + '/ydte.npy', '--threads', 1, '--quiet', '--json')
        out['lr'] = json.loads(p.strip().splitlines()[-1])['raw_accuracy']
    return out


def summary(res):
    by = {}
    for r in res:
        by.setdefault(r['name'], []).append(r)
    keys = [k for c in CANDS for k in (c, c + '_scratch')] + ['lr']
    m = {k: {c: 100 * np.mean([r[c] for r in rs]) for c in keys} for k, rs in by.items()}
    for c in CANDS:
        print('%s: mean %.2f, behind logistic regression on %d of %d sets, behind its network from scratch on %d'
              % (c, np.mean([v[c] for v in m.values()]), sum(v[c] < v['lr'] - 1e-9 for v in m.values()), len(m),
                 sum(v[c] < v[c + '_scratch'] - 1e-9 for v in m.values())))
    print('logistic regression: mean %.2f' % np.mean([v['lr'] for v in m.values()]))
    for k, v in sorted(m.items()):
        r0 = by[k][0]
        print('%-16s ' % k + ' '.join('%s %6.2f (%6.2f) [%s]' % (c, v[c], v[c + '_scratch'], r0[c + '_layers'])
                                      for c in CANDS) + ' lr %6.2f' % v['lr'])


if __name__ == '__main__':
    if len(sys.argv) == 2:
        summary(json.load(open(sys.argv[1]))); sys.exit()
    summary(data.run_rounds(task, data.labelled_rounds(), SEEDS, sys.argv[2]))
