"""The plateau schedule's budget where a step is cheap: two builds side by
side on patience.py's development splits (19 tables but InternetAds, seeds
1-2; iris, wine, breast cancer seeds 1-8, digits 1-4), for the default model
and the textbook one (`--sparsity kl`), each with --ensemble 1 (the
detector's members train on their own cosine budget and are not compared).
Each run's objective on the held-out rows (`sae eval`'s loss), candidate
over base, its training time and why it stopped.

    /usr/bin/python3 bench/quality/budget.py BASE_BINARY CAND_BINARY OUT.json   (FILTER=a,b; DATA_ROOT)

The candidate bounds a phase at thirty least patiences: 90,000 steps where a
step is cheap (a batch's rows times the network's parameters at most 2^21),
30,000 elsewhere, as before; restarts of dead latents keep the shorter
budget's first quarter, so a run that stopped before 30,000 steps is the
same run (checked: its ratio must be 1 exactly, or the summary says so).

The rule, fixed before the candidate ran: in each group (tables, small
sets), over both models' runs, the geometric mean of the ratios below 1 and
more runs better than worse, and neither model's geometric mean in either
group above 1.01."""
import sys, os, json, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import patience

MODELS = {'default': [], 'kl': ['--sparsity', 'kl']}
BINS = patience.BINS  # base and cand: patience.two_builds sets them


def task(t):
    group, name, seed, tr, te = t
    out = []
    with tempfile.TemporaryDirectory() as w:
        for model, flags in MODELS.items():
            r = {'group': group, 'name': name, 'seed': seed, 'model': model}
            for which, binary in BINS.items():
                r[which] = patience.train_eval(binary, w + '/' + which, tr, te, seed, '--ensemble', 1, *flags)
            out.append(r)
    return out


def summary(rows):
    for g in ('tables', 'small'):
        every = [r for r in rows if r['group'] == g]
        if not every:
            continue
        for model in list(MODELS) + ['both']:
            rs = [r for r in every if model in ('both', r['model'])]
            _, gm, better, worse, same, secs = patience.compare(rs, 'cand', 'base')
            print('%s, %s: %d runs; held-out objective, candidate over base: geometric mean %.3f, better on %d, '
                  'worse on %d, the same on %d (within 0.1%%); time ratio median %.2f; base stops: %s; candidate '
                  'stops: %s' % (g, model, len(rs), gm, better, worse, same, secs,
                                 stops(rs, 'base'), stops(rs, 'cand')))
        for r in every:
            if r['base']['stop'] != 'budget' and r['cand']['test'] != r['base']['test']:
                print('  NOT THE SAME RUN: %s %s seed %d (base stopped %s)' % (r['model'], r['name'], r['seed'],
                                                                             r['base']['stop']))
        for model in MODELS:
            for name in dict.fromkeys(r['name'] for r in every):
                s = [r for r in every if r['name'] == name and r['model'] == model]
                if any(r['base']['stop'] == 'budget' for r in s):
                    print('  %-7s %-16s ratios %s; epochs %s -> %s; stops %s -> %s' % (
                        model, name, ' '.join('%.3f' % v for v in patience.compare(s, 'cand', 'base')[0]),
                        ','.join(str(r['base']['epochs']) for r in s), ','.join(str(r['cand']['epochs']) for r in s),
                        ','.join(r['base']['stop'] for r in s), ','.join(r['cand']['stop'] for r in s)))


def stops(rs, which):
    return ', '.join('%s %d' % (k, sum(r[which]['stop'] == k for r in rs)) for k in sorted({r[which]['stop'] for r in rs}))


if __name__ == '__main__':
    out = patience.two_builds(summary, __doc__)
    rows = [r for rs in patience.run_tasks(task) for r in rs]
    json.dump(rows, open(out, 'w'), indent=1)
    summary(rows)
