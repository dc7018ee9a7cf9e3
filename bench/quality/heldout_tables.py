"""Writes a held-out group of tabular anomaly sets, tables the anomaly defaults
were never chosen on: ROOT/heldout_tables/*.npz (X, y as ../shared/data's sets).

The sources are classic UCI classification tables as R's mlbench and kernlab
packages ship them (Debian: `apt-get install r-base-core r-cran-mlbench
r-cran-kernlab`); none of them is among the 20 development tables (mlbench's
Glass, Ionosphere, PimaIndiansDiabetes, Satellite and Shuttle are, and are not
used). The rule, fixed before any set was measured:

  binary sources: the minority class is the anomaly
    breastcancer     699 biopsies, 9 ordinal cell scores (rows with a missing
                     score dropped): malignant
    sonar            208 sonar returns, 60 band energies: rocks
    spam             4,601 e-mails, 57 word and character statistics: spam
  multi-class sources: each of the first five classes (or all, if fewer) in
  the order of the source's class levels is the anomaly in turn, every other
  row normal
    vehicle_C        846 silhouettes, 18 shape features: bus, opel, saab, van
    vowel_C          990 vowels, 9 features (the speaker column dropped):
                     hid, hId, hEd, hAd, hYd
    letter_C         20,000 letter images, 16 box and edge statistics: A-E
    dna_C            3,186 splice sites, 180 binary columns: ei, ie, n

The anomaly class's rows are drawn (numpy seed 1, without replacement) down to
10% of the set's rows where they are more; every normal row is kept. That
gives 20 sets of 9 to 180 columns and 123 to 20,000 rows. Then

  bench/quality/run.sh --only anomaly --groups heldout_tables --data-root ROOT

measures sae's defaults beside Isolation Forest on them with the protocol of
../shared/data/README.md (the 70/30 split, ROC AUC on the test part).

It also writes ROOT/heldout_classes/SOURCE.npz, each of the seven tables whole
with its classes as labels (y 0, 1, ... in the order of the source's levels;
letters drawn to 5,000 rows, numpy seed 1), for the supervised sections:

  bench/quality/run.sh --only features,stacked,convergence --classes-root ROOT \
      --sets breastcancer,sonar,spam,vehicle,vowel,letter,dna

splits each 70/30 (stratified, seed 1) as it splits scikit-learn's small sets.

Usage: /usr/bin/python3 bench/quality/heldout_tables.py ROOT
"""

import csv
import os
import subprocess
import sys
import tempfile

import numpy as np

EXPORT = r"""
suppressMessages({library(mlbench); library(kernlab)})
out <- commandArgs(TRUE)[1]
w <- function(d, name) write.csv(d, file.path(out, paste0(name, ".csv")), row.names = FALSE)
data(BreastCancer); d <- na.omit(BreastCancer[, -1])
for (j in 1:9) d[[j]] <- as.numeric(as.character(d[[j]]))
d$Class <- as.character(d$Class); w(d, "breastcancer")
data(Sonar); d <- Sonar; d$Class <- as.character(d$Class); w(d, "sonar")
data(spam); d <- spam; d$type <- as.character(d$type); names(d)[ncol(d)] <- "Class"; w(d, "spam")
data(Vehicle); d <- Vehicle; d$Class <- as.character(d$Class); w(d, "vehicle")
data(Vowel); d <- Vowel[, -1]; d$Class <- as.character(d$Class); w(d, "vowel")
data(LetterRecognition); d <- LetterRecognition[, c(2:17, 1)]
d$lettr <- as.character(d$lettr); names(d)[17] <- "Class"; w(d, "letter")
data(DNA); d <- DNA; for (j in 1:180) d[[j]] <- as.numeric(as.character(d[[j]]))
d$Class <- as.character(d$Class); w(d, "dna")
"""

# source: (anomaly classes in the order of the source's levels, binary?)
SOURCES = {
    "breastcancer": (["malignant"], True),
    "sonar": (["R"], True),
    "spam": (["spam"], True),
    "vehicle": (["bus", "opel", "saab", "van"], False),
    "vowel": (["hid", "hId", "hEd", "hAd", "hYd"], False),
    "letter": (["A", "B", "C", "D", "E"], False),
    "dna": (["ei", "ie", "n"], False),
}

MAX_SHARE = 0.10
MAX_CLASS_ROWS = 5000

# the class levels of the sources whose levels are not in sorted order
# (R's factor levels): the label numbers of heldout_classes
LEVELS = {
    "vowel": ["hid", "hId", "hEd", "hAd", "hYd", "had", "hOd", "hod", "hUd", "hud", "hed"],
}


def read(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    X = np.array([[float(v) for v in r[:-1]] for r in rows[1:]])
    return X, np.array([r[-1] for r in rows[1:]])


def one_class(X, labels, c, rng):
    """Every row not of class c normal, class c's rows drawn down to
    MAX_SHARE of the set: (X, y) with y 1 for class c."""
    nrm, ano = np.flatnonzero(labels != c), np.flatnonzero(labels == c)
    if len(ano) == 0:
        raise SystemExit("no rows of class %r" % c)
    cap = int(MAX_SHARE * len(nrm) / (1 - MAX_SHARE))
    if len(ano) > cap:
        ano = np.sort(rng.choice(ano, cap, replace=False))
    idx = np.concatenate([nrm, ano])
    rng.shuffle(idx)
    return X[idx], (labels[idx] == c).astype(np.int64)


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    out = os.path.join(sys.argv[1], "heldout_tables")
    os.makedirs(out, exist_ok=True)
    rng = np.random.RandomState(1)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["Rscript", "-e", EXPORT, tmp], check=True)
        n = 0
        for src, (classes, binary) in SOURCES.items():
            X, labels = read(os.path.join(tmp, src + ".csv"))
            for c in classes:
                Xc, y = one_class(X, labels, c, rng)
                name = src if binary else "%s_%s" % (src, c)
                np.savez(os.path.join(out, name + ".npz"), X=Xc, y=y)
                print("%-16s %6d x %3d  anomalies %5.1f%%" % (name, len(y), X.shape[1], 100 * y.mean()))
                n += 1
        cls = os.path.join(sys.argv[1], "heldout_classes")
        os.makedirs(cls, exist_ok=True)
        crng = np.random.RandomState(1)
        for src in SOURCES:
            X, labels = read(os.path.join(tmp, src + ".csv"))
            levels = LEVELS.get(src) or sorted(set(labels))
            y = np.array([levels.index(v) for v in labels], dtype=np.int64)
            if len(y) > MAX_CLASS_ROWS:
                idx = np.sort(crng.choice(len(y), MAX_CLASS_ROWS, replace=False))
                X, y = X[idx], y[idx]
            np.savez(os.path.join(cls, src + ".npz"), X=X, y=y)
            print("%-16s %6d x %3d  %d classes" % (src, len(y), X.shape[1], len(levels)))
    print("wrote %d sets under %s and 7 under %s" % (n, out, cls))


if __name__ == "__main__":
    main()
