"""Generate the project's own small tables in the shapes of the teaching notebook's data.

Run from anywhere; it writes ``tinygrad_edu/datasets/`` unless told ``--out DIR``::

    python scripts/make_datasets.py            # rewrite the packaged tables
    python scripts/make_datasets.py --out some/other/dir

The output is byte-identical on every run: the random numbers come from
``numpy.random.RandomState(SEED)``, whose stream NumPy keeps fixed across versions, every value is
formatted explicitly, and files are written as UTF-8 with LF line ends and a header row.

Generating models (n = 300 rows each, drawn in this order from one RandomState):

``insurance.csv`` with columns ``age,affordability,bought_insurance``
    age           ~ uniform integer in [18, 65]
    affordability ~ Bernoulli(0.5), 0 or 1
    p             = sigmoid(A * age / 100 + B * affordability + C),  A = 10, B = 1.5, C = -5
    bought        = 1 if u < p else 0, u ~ uniform [0, 1)
    So the chance of buying passes 1/2 at age 50 without affordability and at age 35 with it;
    a logistic model on [age / 100, affordability] can recover A, B and C.

``home_prices.csv`` with columns ``area,bedrooms,price``
    area     ~ uniform integer in [800, 3700] (square feet)
    bedrooms = clip(round(area / 700 + e), 1, 5),  e ~ Normal(0, 0.6)   (correlated with area)
    price    = 0.035 * area + 9 * bedrooms - 15 + Normal(0, 6), rounded to 2 decimals (lakh INR)
    Every price is checked to be positive.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

SEED = 20240611
N_ROWS = 300
INSURANCE_A, INSURANCE_B, INSURANCE_C = 10.0, 1.5, -5.0
PRICE_PER_SQFT, PRICE_PER_BEDROOM, PRICE_BASE, PRICE_NOISE = 0.035, 9.0, -15.0, 6.0
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "tinygrad_edu" / "datasets"


def insurance_rows(rng: np.random.RandomState, n: int = N_ROWS) -> list[str]:
    """Rows ``age,affordability,bought_insurance`` from the logistic ground truth above."""
    age = rng.randint(18, 66, size=n)
    affordability = rng.randint(0, 2, size=n)
    logit = INSURANCE_A * age / 100.0 + INSURANCE_B * affordability + INSURANCE_C
    p = 1.0 / (1.0 + np.exp(-logit))
    bought = (rng.random_sample(n) < p).astype(int)
    return [f"{a},{f},{b}" for a, f, b in zip(age, affordability, bought, strict=True)]


def home_price_rows(rng: np.random.RandomState, n: int = N_ROWS) -> list[str]:
    """Rows ``area,bedrooms,price`` from the linear model above, prices in lakh with 2 decimals."""
    area = rng.randint(800, 3701, size=n)
    bedrooms = np.clip(np.rint(area / 700.0 + rng.normal(0.0, 0.6, size=n)), 1, 5).astype(int)
    price = (
        PRICE_PER_SQFT * area
        + PRICE_PER_BEDROOM * bedrooms
        + PRICE_BASE
        + rng.normal(0.0, PRICE_NOISE, size=n)
    )
    price = np.round(price, 2)
    if not (price > 0).all():
        raise AssertionError("generated a non-positive price; change the model or the seed")
    return [f"{a},{b},{p:.2f}" for a, b, p in zip(area, bedrooms, price, strict=True)]


def write_table(path: Path, header: str, rows: list[str]) -> None:
    """Write a header and rows as UTF-8 with LF line ends, ending with a newline."""
    path.write_bytes(("\n".join([header, *rows]) + "\n").encode("utf-8"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.RandomState(SEED)
    write_table(out / "insurance.csv", "age,affordability,bought_insurance", insurance_rows(rng))
    write_table(out / "home_prices.csv", "area,bedrooms,price", home_price_rows(rng))
    print(f"wrote insurance.csv and home_prices.csv ({N_ROWS} rows each) to {out}")


if __name__ == "__main__":
    main()
