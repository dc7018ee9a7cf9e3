"""The default model beyond Fashion-MNIST: `sae train` with no flags (but
--ensemble 1: the anomaly detector beside a dictionary does not touch it) on
the training part of each of the 41 anomaly sets (the ADBench protocol split
of data.protocol_split), then its FVU on the test part (`sae eval`, input
units) beside PCA with as many components as the model's mean l0 there, fit
on the training part in the model's scaled units (each column to unit
variance below 64 columns, one scale above: sae's `--normalize auto`) and
measured the same way; and both on the test part's normal rows alone (the
anomalies in a test part are rows a model of the normal ones should not
reconstruct well: a model that fits the normal rows better can lose on the
whole test part). (`sae eval`'s own pca_fvu fits PCA on the rows it
evaluates, a stricter baseline on a test part of a few hundred rows; it is
printed beside.)

    /usr/bin/python3 bench/quality/fvu_sets.py SAE_BINARY OUT.json [sae train flags...]

FILTER=a,b keeps the sets so named; DATA_ROOT (default ../shared/data). Two
sets are trained at a time, one thread each. Prints a line a set, then how
many sets' models reconstruct worse than PCA."""
import sys, os, json, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np, data
from multiprocessing import Pool
from sklearn.decomposition import PCA
run, EXTRA = data.script_args(__name__ == '__main__')


def pca_fvu(a, b, k):
    """FVU on b of PCA-k fit on a, both scaled as sae's --normalize auto."""
    m = a.mean(0)
    s = a.std(0) if a.shape[1] < 64 else np.ones(a.shape[1])
    s[s == 0] = 1
    p = PCA(min(k, a.shape[1])).fit((a - m) / s)
    r = p.inverse_transform(p.transform((b - m) / s)) * s + m
    return float(((r - b) ** 2).sum() / ((b - b.mean(0)) ** 2).sum())


def task(t):
    g, name, path = t
    Xtr, Xte, _, yte, info = data.protocol_split(path)
    Xn = Xte[yte == 0]
    with tempfile.TemporaryDirectory() as w:
        np.save(w + '/tr.npy', Xtr.astype(np.float32)); np.save(w + '/te.npy', Xte.astype(np.float32))
        np.save(w + '/ten.npy', Xn.astype(np.float32))
        tj = json.loads(run('train', '--data', w + '/tr.npy', '--out', w + '/m', '--seed', 1, '--threads', 1,
                            '--quiet', '--json', '--ensemble', 1, *EXTRA))
        e = json.loads(run('eval', '--model', w + '/m', '--data', w + '/te.npy', '--json'))
        en = json.loads(run('eval', '--model', w + '/m', '--data', w + '/ten.npy', '--json'))
    a, b = Xtr.astype(np.float32).astype(np.float64), Xte.astype(np.float32).astype(np.float64)
    bn = Xn.astype(np.float32).astype(np.float64)
    k = max(1, int(round(e['l0'])))
    return {'group': g, 'set': name, 'rows': info['rows'], 'cols': info['features'], 'hidden': tj.get('hidden'),
            'l0': e['l0'], 'fvu': e['fvu'], 'pca_train': pca_fvu(a, b, k), 'pca_test_fit': e['pca_fvu'],
            'fvu_normal': en['fvu'], 'pca_train_normal': pca_fvu(a, bn, max(1, int(round(en['l0'])))),
            'stop': tj.get('stop_reason')}


if __name__ == '__main__':
    root = os.environ.get('DATA_ROOT', '../shared/data')
    keep = [f for f in os.environ.get('FILTER', '').split(',') if f]
    sets = [s for s in data.anomaly_sets(root) if not keep or s[1] in keep]
    if not sets:
        raise SystemExit('no anomaly sets under %s (DATA_ROOT)' % root)
    out = []
    with Pool(2) as p:
        for r in p.imap(task, sets):
            out.append(r)
            print('%-30s %-10s l0 %5.1f  sae %.4f  PCA (fit on training part) %.4f  %-5s  normal rows: sae %.4f PCA %.4f %-5s'
                  '  [PCA fit on the test part %.4f]' % (
                      r['set'], r['group'], r['l0'], r['fvu'], r['pca_train'], 'worse' if r['fvu'] > r['pca_train'] else '',
                      r['fvu_normal'], r['pca_train_normal'], 'worse' if r['fvu_normal'] > r['pca_train_normal'] else '',
                      r['pca_test_fit']), flush=True)
    json.dump(out, open(sys.argv[2], 'w'), indent=1)
    for g in ('adbench', 'embeddings'):
        rs = [r for r in out if r['group'] == g]
        if not rs:
            continue
        for part, ours, pca in (('test', 'fvu', 'pca_train'), ('normal test', 'fvu_normal', 'pca_train_normal')):
            ratio = [r[ours] / r[pca] for r in rs]
            print('%s, %s rows: %d sets, sae worse than PCA on %d (%s); FVU over PCA\'s: median %.3f' % (
                g, part, len(rs), sum(v > 1 for v in ratio), ', '.join(r['set'] for r in rs if r[ours] > r[pca]),
                float(np.median(ratio))))
