"""The seed walkthrough (PyTensor's, with tensorsmith in the imports)."""
import tensorsmith
import tensorsmith.tensor as pt
from tensorsmith import function

# Adding two scalars
x = pt.dscalar("x")
y = pt.dscalar("y")
z = x + y
f = function([x, y], z)
print(f(3, 5))

# Squaring a vector
v = pt.dvector("v")
square = function([v], v ** 2)
print(square([1, 2, 3]))

# A gradient
x = pt.dscalar("x")
gx = pt.grad(x ** 2, x)
df = function([x], gx)
print(df(4))

# The expression of the README, and its derivative in x
x, y = pt.dscalar("x"), pt.dscalar("y")
z = x * y + pt.sin(x)
f = function([x, y], [z, tensorsmith.grad(z, x)])
value, dz_dx = f(2.0, 4.0)
print(value)
print(dz_dx)
