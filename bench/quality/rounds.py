"""What the anomaly rounds from 13 on share (bench/quality/README.md): the
driver over the 41 sets' development folds, and the per-set gains of a
candidate over the shipped score."""
import os, json, subprocess, tempfile
import numpy as np, data
from multiprocessing import Pool
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score


def fold(path, k):
    """Development fold k of a set: the protocol's training part
    (data.protocol_split) split by data.dev_folds; Xtr, Xte, ytr, yte."""
    Xtr, Xte, ytr, yte, info = data.protocol_split(path)
    return list(data.dev_folds(Xtr, ytr))[k]


def lg(v):
    """The logarithm of scores v, 0 counting as 1e-30."""
    return np.log(v + 1e-30)


def z(v, ref):
    """v's standard score by the mean and sd of ref (an sd under 1e-12 as
    1e-12): how a view is standardised on the training rows."""
    return (v - ref.mean()) / max(ref.std(), 1e-12)


def zlog(v, ref):
    """z of the logarithms of v and ref."""
    return z(lg(v), lg(ref))


def iforest_auc(Xtr, Xte, yte):
    """The baseline's ROC AUC: Isolation Forest (100 trees, random_state
    1) fitted on Xtr, scoring Xte."""
    return roc_auc_score(yte, -IsolationForest(n_estimators=100, random_state=1).fit(Xtr).score_samples(Xte))


def saved(rowdir, name, fold, Xtr, yte):
    """A set's fold's saved scores (held-out rows, training rows) in rowdir,
    or None when absent or made for other rows."""
    f = os.path.join(rowdir, '%s-%d.npz' % (name, fold))
    if os.path.exists(f):
        z = np.load(f)
        if np.array_equal(z['yte'], yte) and len(z['s0tr']) == len(Xtr):
            return z['s0'], z['s0tr']
    return None


def sae_rows(binary, rowdir, name, fold, Xtr, Xte, yte, *flags):
    """The scores of the held-out and the training rows by `sae train
    --threads 1 --quiet FLAGS` and `sae score`, kept in rowdir (and reused
    from it when they match)."""
    got = saved(rowdir, name, fold, Xtr, yte)
    if got is not None:
        return got
    run = lambda *a: subprocess.run([binary] + [str(x) for x in a], check=True, capture_output=True)
    with tempfile.TemporaryDirectory() as w:
        np.save(w + '/tr.npy', Xtr.astype(np.float32)); np.save(w + '/te.npy', Xte.astype(np.float32))
        run('train', '--data', w + '/tr.npy', '--out', w + '/m', '--threads', 1, '--quiet', *flags)
        run('score', '--model', w + '/m', '--data', w + '/te.npy', '--out', w + '/ste.npy')
        run('score', '--model', w + '/m', '--data', w + '/tr.npy', '--out', w + '/str.npy')
        s, s_tr = np.load(w + '/ste.npy')[:, 0].astype(float), np.load(w + '/str.npy')[:, 0].astype(float)
    os.makedirs(rowdir, exist_ok=True)
    np.savez(os.path.join(rowdir, '%s-%d.npz' % (name, fold)), s0=s, s0tr=s_tr, yte=yte)
    return s, s_tr


def gains(res, cand, base='c8'):
    """For each group, a line of cand's mean gain over base in ROC AUC x 100
    (each set's mean over its folds), without its set of largest gain, the
    sets up and down by 0.1 or more, and every set's gain."""
    by = {}
    for r in res:
        by.setdefault((r['group'], r['name']), []).append(r)
    for g in ('adbench', 'embeddings'):
        gain = sorted((100 * np.mean([r[cand] - r[base] for r in rs]), n) for (gg, n), rs in by.items() if gg == g)
        if gain:
            print('%s %s - %s: mean %.2f, without the largest (%s %+.2f) %.2f, %d up, %d down; per set: %s' % (
                g, cand, base, np.mean([x for x, _ in gain]), gain[-1][1], gain[-1][0], np.mean([x for x, _ in gain[:-1]]),
                sum(x >= 0.1 for x, _ in gain), sum(x <= -0.1 for x, _ in gain),
                ', '.join('%s %+.1f' % (n, x) for x, n in gain)))


def main(task, summary, out, folds, order=None):
    """Runs task over every (group, name, path, fold) of the 41 sets, two at
    a time (the largest files first, or by order), printing each result as
    a JSON line; writes them all to out and prints the summary."""
    sets = data.anomaly_sets(os.environ.get('DATA_ROOT', '../shared/data'))
    tasks = [(g, n, p, f) for g, n, p in sets for f in folds]
    tasks.sort(key=order or (lambda t: -os.path.getsize(t[2])))
    res = []
    with Pool(2) as pool:
        for r in pool.imap_unordered(task, tasks):
            res.append(r); print(json.dumps(r), flush=True)
    json.dump(res, open(out, 'w'))
    summary(res)
