"""Round 17 of the anomaly protocol (bench/quality/README.md): both
scalings at once below 64 columns.

    /usr/bin/python3 bench/quality/round17.py OUT.json   (FOLDS=0,1,2 by default)

Rounds 14 and 16 found the tables split between the two scalings of a narrow
table (robust: annthyroid, wine, pendigits; standard: fault, campaign,
Stamps), with robust ahead on the mean. An ensemble of both is the usual
answer to such a split. The candidates (64 or more columns unchanged), each
keeping the two views' equal weight:

c28: the reconstruction view the mean of the standardised logarithms of the
     members in robust scaling (shipped) and in standard scaling (round
     16's), and likewise the neighbour view of its two scalings (round 14's);
c29: c28's reconstruction view with the shipped neighbour view.

Every row's scores come from the saved rows of rounds 11, 13 and 16 (no
training); Isolation Forest beside them.

The rule, fixed before the first figure was read (round 13's, for each
candidate against c8): a candidate passes if the tabular group's mean ROC
AUC rises over c8's by at least 0.5, and by at least 0.25 without its one set
of largest gain; the embeddings' mean falls by at most 0.1; the wins against
Isolation Forest do not fall in either group; and no more sets of either
group are more than 10 points below Isolation Forest than with c8. Of the
candidates that pass, the one of higher tabular mean is adopted."""
import sys, os, json
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sklearn.metrics import roc_auc_score
import round10, round12, round13, round14, round16, rounds
FOLDS = [int(f) for f in os.environ.get('FOLDS', '0,1,2').split(',')]


def task(t):
    g, name, path, fold = t
    Xtr, Xte, ytr, yte = rounds.fold(path, fold)
    narrow = Xtr.shape[1] < 64
    s0, s0tr = round13.recon(name, fold, Xtr, Xte, yte)
    s1, s1tr = round16.members_std(name, fold, Xtr, Xte, yte) if narrow else (s0, s0tr)
    z = rounds.zlog
    tr, te = round10.scale(Xtr, Xte)
    d, dtr = round12.knn(tr, te, False, False), round12.knn(tr, tr, True, False)
    if narrow:
        tr, te = round14.standard(Xtr, Xte)
    e, etr = round12.knn(tr, te, False, False), round12.knn(tr, tr, True, False)
    rec = (z(s0, s0tr) + z(s1, s1tr)) / 2
    out = {'group': g, 'name': name, 'fold': fold, 'features': int(Xtr.shape[1])}
    out['c8'] = roc_auc_score(yte, z(s0, s0tr) + z(d, dtr))
    out['c28'] = roc_auc_score(yte, rec + (z(d, dtr) + z(e, etr)) / 2)
    out['c29'] = roc_auc_score(yte, rec + z(d, dtr))
    out['if'] = rounds.iforest_auc(Xtr, Xte, yte)
    return out


def summary(res):
    round10.summary(res, ('c8', 'c28', 'c29', 'if'))
    for c in ('c28', 'c29'):
        rounds.gains(res, c)


if __name__ == '__main__':
    if len(sys.argv) == 2 and os.path.exists(sys.argv[1]):
        summary(json.load(open(sys.argv[1]))); sys.exit()
    rounds.main(task, summary, sys.argv[1], FOLDS)
