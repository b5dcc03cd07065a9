"""Logistic regression fitted by gradient descent on synthetic data.

Builds the negative log-likelihood symbolically, differentiates it, and
compiles one training step that updates the weights held in shared
variables.  Prints the loss as it falls."""
import numpy as np

import tensorsmith
import tensorsmith.tensor as pt

rng = np.random.default_rng(0)
n_samples, n_features = 400, 5
true_w = rng.normal(size=n_features)
true_b = -0.5
X_data = rng.normal(size=(n_samples, n_features))
p = 1.0 / (1.0 + np.exp(-(X_data @ true_w + true_b)))
y_data = (rng.uniform(size=n_samples) < p).astype("float64")

X = pt.dmatrix("X")
y = pt.dvector("y")
w = tensorsmith.shared(np.zeros(n_features), name="w")
b = tensorsmith.shared(0.0, name="b")

logits = pt.dot(X, w) + b
# log(1 + exp(z)) written stably: max(z, 0) + log(1 + exp(-|z|))
softplus = pt.maximum(logits, 0) + pt.log(1 + pt.exp(-abs(logits)))
loss = pt.mean(softplus - y * logits)
gw, gb = tensorsmith.grad(loss, [w, b])

learning_rate = 0.5
train = tensorsmith.function([X, y], loss, updates=[(w, w - learning_rate * gw), (b, b - learning_rate * gb)])

losses = []
for step in range(101):
    value = float(train(X_data, y_data))
    losses.append(value)
    if step % 20 == 0:
        print(f"step {step:3d}  loss {value:.4f}")

print("true w:  ", np.round(true_w, 2), " b:", true_b)
print("fitted w:", np.round(w.get_value(), 2), " b:", round(float(b.get_value()), 2))
assert losses[-1] < losses[0], "the loss did not fall"
