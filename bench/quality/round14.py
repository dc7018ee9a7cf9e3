"""Round 14 of the anomaly protocol (bench/quality/README.md), outside sae:
the neighbour view in standard scaling below 64 columns.

    /usr/bin/python3 bench/quality/round14.py OUT.json   (FOLDS=0,1,2 by default)

The neighbour distance (round 10) is measured in the data's default
scaling: below 64 columns each column is scaled robustly, by max(IQR/1.349,
sd/10) about its median. A column that is constant but for a minority of
rows (a one-hot category of under a quarter of the rows, a flag) has an IQR
of zero and takes sd/10: a row in the minority sits ten standard deviations
further out than it would in standard units, and such columns rule the
distance (campaign has dozens of them). The candidate:

c16: c8 (shipped) with the neighbour distance measured in standard scaling
     (each column's mean and standard deviation on the training rows, 1 for
     a constant column) on data below 64 columns; at 64 or more columns
     the shipped global scaling, so the embeddings and InternetAds are c8's;
c18: c16's distance alone (for information).

The reconstruction view is unchanged: its rows come from rounds 11 and 13
(ROWS_FROM and ROWS_TO of round13.py; no training here). Isolation Forest
beside them.

The rule, fixed before the first figure was read (round 13's): c16 is adopted
if the tabular group's mean ROC AUC rises over c8's by at least 0.5, and by
at least 0.25 without the one set of largest gain; the embeddings' mean falls
by at most 0.1; the wins against Isolation Forest do not fall in either
group; and no more sets of either group are more than 10 points below
Isolation Forest than with c8."""
import sys, os, json
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sklearn.metrics import roc_auc_score
import round10, round12, round13, rounds
FOLDS = [int(f) for f in os.environ.get('FOLDS', '0,1,2').split(',')]


def standard(Xtr, Xte):
    """Each column's mean and standard deviation on the training rows (1
    for a constant column)."""
    mu, sd = Xtr.mean(0), Xtr.std(0)
    sd[sd <= 0] = 1.0
    return (Xtr - mu) / sd, (Xte - mu) / sd


def task(t):
    g, name, path, fold = t
    Xtr, Xte, ytr, yte = rounds.fold(path, fold)
    s0, s0tr = round13.recon(name, fold, Xtr, Xte, yte)
    z = rounds.zlog
    out = {'group': g, 'name': name, 'fold': fold, 'features': int(Xtr.shape[1])}
    for c, sc in (('c8', round10.scale), ('c16', standard if Xtr.shape[1] < 64 else round10.scale)):
        tr, te = sc(Xtr, Xte)
        s5, s5tr = round12.knn(tr, te, False, False), round12.knn(tr, tr, True, False)
        out[c] = roc_auc_score(yte, z(s0, s0tr) + z(s5, s5tr))
        if c == 'c16':
            out['c18'] = roc_auc_score(yte, s5)
    out['if'] = rounds.iforest_auc(Xtr, Xte, yte)
    return out


def summary(res):
    round10.summary(res, ('c8', 'c16', 'c18', 'if'))
    rounds.gains(res, 'c16')


if __name__ == '__main__':
    if len(sys.argv) == 2 and os.path.exists(sys.argv[1]):
        summary(json.load(open(sys.argv[1]))); sys.exit()
    rounds.main(task, summary, sys.argv[1], FOLDS)
