"""Round 20 of the anomaly protocol (bench/quality/README.md), outside sae:
more neighbours in the neighbour view.

    /usr/bin/python3 bench/quality/round20.py OUT.json   (FOLDS=0,1,2 by default)

The neighbour distance (shipped since round 11) is the mean of a row's K = 5
nearest squared distances in each of 10 samples of 256 training rows. The
training rows hold the anomalies too: where they form a compact cluster
(one class of images as the anomaly, heldout.py's sets; a small set's rows
repeated by the protocol's resampling, wine), a sample of 256 rows holds a
dozen or more of them, and an anomaly's 5 nearest rows are anomalies like
itself. A K larger than such a cluster reaches past it to the normal rows;
round 15 measured K 1 and 5 only. The candidates, everything else c8's (the
shipped blend, its scaling and standardisation; samples of 256 rows):

c25: K 10      c26: K 20      c27: K 50      (c8: K 5)

The reconstruction view's rows come from rounds 11 and 13 (no training);
Isolation Forest beside them.

The rule, fixed before the first figure was read (round 15's, for each
candidate against c8): a candidate passes if the tabular group's mean ROC
AUC rises over c8's by at least 0.5, and by at least 0.25 without its one set
of largest gain; the embeddings' mean falls by at most 0.1; the wins against
Isolation Forest do not fall in either group; and no more sets of either
group are more than 10 points below Isolation Forest than with c8. Of the
candidates that pass, the one of highest tabular mean is adopted."""
import sys, os, json
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import round10, round15, rounds
FOLDS = [int(f) for f in os.environ.get('FOLDS', '0,1,2').split(',')]
round15.CANDS = {'c8': (256, 5), 'c25': (256, 10), 'c26': (256, 20), 'c27': (256, 50)}


def summary(res):
    round10.summary(res, tuple(round15.CANDS) + ('if',))
    for c in list(round15.CANDS)[1:]:
        rounds.gains(res, c)


if __name__ == '__main__':
    if len(sys.argv) == 2 and os.path.exists(sys.argv[1]):
        summary(json.load(open(sys.argv[1]))); sys.exit()
    rounds.main(round15.task, summary, sys.argv[1], FOLDS)
