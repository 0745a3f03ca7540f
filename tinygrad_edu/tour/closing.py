"""Tour sections 7–8: the notebook's price prediction, and how to use the library on your data."""

from __future__ import annotations

from ..data import MinMaxScaler, load_home_prices
from ..models import LinearRegression
from .context import Context, transcript
from .gd_study import GDStudy
from .report import Section

#: What the notebook printed for 2600 sq ft and 4 bedrooms after batch GD on its 20 homes.
NOTEBOOK_PRICE = 128.45484403267596


def prediction_section(ctx: Context) -> Section:
    """The notebook's house-price query, scaled in, predicted and scaled back, step by step."""
    study: GDStudy = ctx.results["gd"]
    area, beds = study.query
    s = Section("prediction", f"The notebook's prediction: {area:g} sq ft, {beds:g} bedrooms")
    sx, sy = study.x_scaler, study.y_scaler
    x = sx.transform([[area, beds]])[0]
    batch = study.runs["batch"]
    scaled = batch.w[0] * x[0] + batch.w[1] * x[1] + batch.b
    price = study.price(batch)
    s.text(
        "The models learned on scaled numbers, so a question in square feet has to be scaled "
        "the same way, and the answer scaled back:",
    )
    s.code(
        f"area'     = ({area:g} − {sx.data_min_[0]:g}) / ({sx.data_max_[0]:g} − "
        f"{sx.data_min_[0]:g}) = {x[0]:.6f}\n"
        f"bedrooms' = ({beds:g} − {sx.data_min_[1]:g}) / ({sx.data_max_[1]:g} − "
        f"{sx.data_min_[1]:g}) = {x[1]:.6f}\n"
        f"price'    = {batch.w[0]:.6f}·{x[0]:.6f} + {batch.w[1]:.6f}·{x[1]:.6f} "
        f"+ ({batch.b:.6f}) = {scaled:.6f}\n"
        f"price     = {scaled:.6f}·({sy.data_max_[0]:g} − {sy.data_min_[0]:g}) + "
        f"{sy.data_min_[0]:g} = {price:.5f}"
    )
    coef, bias, _ = study.least_squares()
    exact = sy.inverse_transform([[coef[0] * x[0] + coef[1] * x[1] + bias]])[0][0]
    rows = [[run.label, f"{study.price(run):.5f}"] for run in study.runs.values()]
    rows.append(["least squares (exact minimum)", f"{exact:.5f}"])
    if ctx.data.notebook and not ctx.quick:
        rows.append(["the notebook printed (batch GD)", f"{NOTEBOOK_PRICE:.5f}"])
    s.table(["model", "price (lakh INR)"], rows)
    s.text(
        "The exact least-squares answer is where all the gradient-descent runs are heading; how "
        "close each got depends on how far its updates carried it in the time it had."
    )
    s.say(f"batch GD: {price:.5f} lakh; exact least squares: {exact:.5f}")
    return s


OWN_DATA_SESSION = """
X, y = load_home_prices()  # or load_home_prices("my_homes.csv"): columns area,bedrooms,price
sx, sy = MinMaxScaler(), MinMaxScaler()
Xs, ys = sx.fit_transform(X), sy.fit_transform(y.reshape(-1, 1)).ravel()
model = LinearRegression(optimizer="minibatch", lr=0.05, epochs=100)
history = model.fit(Xs, ys)
history
scaled = model.predict(sx.transform([[2600, 4]]))
sy.inverse_transform(scaled.reshape(-1, 1))  # back to lakh
"""


def own_data_section(ctx: Context) -> Section:
    """The tour's closing section: the same library calls on the reader's own CSV."""
    s = Section("your-data", "Your turn: the library on your own data")
    s.text(
        "Everything above is ordinary library code. The loaders read any CSV with the expected "
        "columns; the models take NumPy arrays. This session ran as shown, on the shipped table:",
    )
    names = {"load_home_prices": load_home_prices, "MinMaxScaler": MinMaxScaler}
    names["LinearRegression"] = LinearRegression
    s.code(transcript(OWN_DATA_SESSION, names))
    s.text("From the command line, `tinygrad-edu train` does the same for any model and mode:")
    s.code(
        "tinygrad-edu train --dataset home-prices --model linear --mode minibatch --lr 0.05\n"
        "tinygrad-edu train --dataset insurance --model logistic --mode adam --lr 0.01\n"
        "tinygrad-edu train --dataset digits --model mlp --mode adam --epochs 20 --batch-size 32\n"
        "tinygrad-edu train --dataset my_table.csv    # last column is the target\n"
        "tinygrad-edu graph neuron --out graphs/     # the graph and the backward trace"
    )
    s.say("see report.html for the session and the train/graph commands")
    return s
