"""Full-batch L-BFGS beside Adam for the textbook model on small data: `sae
train --sparsity kl` (sigmoid code, KL penalty) with its default optimiser
(Adam on the plateau schedule) and with `--optimizer lbfgs` (400 iterations,
its default) and 4x as many (`--epochs 1600`), on patience.py's development
splits (19 tables but InternetAds, seeds 1-2; iris, wine, breast cancer
seeds 1-8, digits 1-4). Each run's objective on the held-out rows (`sae
eval`'s loss) and its training time; --ensemble 1 (the detector's members
are not what is compared).

    /usr/bin/python3 bench/quality/optimizer.py SAE_BINARY OUT.json   (FILTER=a,b; DATA_ROOT)

No rule: a measurement of the issue's question (is full-batch L-BFGS, the
classic recipe for small data, better than Adam with the plateau schedule?),
not a change of default."""
import sys, os, json, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import patience

RUNS = {'adam': [], 'lbfgs': ['--optimizer', 'lbfgs'], 'lbfgs4x': ['--optimizer', 'lbfgs', '--epochs', 1600]}
BIN = None


def task(t):
    group, name, seed, tr, te = t
    out = {'group': group, 'name': name, 'seed': seed}
    with tempfile.TemporaryDirectory() as w:
        for which, flags in RUNS.items():
            out[which] = patience.train_eval(BIN, w + '/' + which, tr, te, seed, '--sparsity', 'kl', '--ensemble', 1, *flags)
    return out


def summary(rows):
    for g in ('tables', 'small'):
        rs = [r for r in rows if r['group'] == g]
        if not rs:
            continue
        for which in ('lbfgs', 'lbfgs4x'):
            _, gm, better, worse, _, secs = patience.compare(rs, which, 'adam')
            print('%s, %s over adam: %d runs; held-out objective geometric mean %.3f, better on %d, worse on %d; '
                  'time ratio median %.3f' % (g, which, len(rs), gm, better, worse, secs))
        print('  adam stops: %s' % ', '.join('%s %d' % (k, sum(r['adam']['stop'] == k for r in rs))
                                            for k in sorted({r['adam']['stop'] for r in rs})))
        for name in dict.fromkeys(r['name'] for r in rs):
            s = [r for r in rs if r['name'] == name]
            print('  %-16s lbfgs/adam %s; lbfgs4x/adam %s' % (
                name, ' '.join('%.3f' % v for v in patience.compare(s, 'lbfgs', 'adam')[0]),
                ' '.join('%.3f' % v for v in patience.compare(s, 'lbfgs4x', 'adam')[0])))


if __name__ == '__main__':
    if len(sys.argv) == 2:
        summary(json.load(open(sys.argv[1])))
        sys.exit()
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    BIN = os.path.abspath(sys.argv[1])
    rows = patience.run_tasks(task)
    json.dump(rows, open(sys.argv[2], 'w'), indent=1)
    summary(rows)
