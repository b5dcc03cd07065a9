"""clone / clone_get_equiv / clone_replace, equal_computations, graph_hash."""
import pytest


def build(toy, c=2.0):
    x, y = toy.fscalar("x"), toy.fscalar("y")
    a = toy.add(x, y)
    b = toy.mul(a, toy.fscalar.make_constant(c))
    z = toy.add(b, a)
    return x, y, z


def test_clone_get_equiv(g, toy):
    x, y, z = build(toy)
    memo = g.clone_get_equiv([x, y], [z])
    nodes = g.toposort([z])
    for n in nodes:
        nn = memo[n]
        assert nn is not n and nn.op == n.op
        assert nn.inputs == [memo[v] for v in n.inputs]
        for o, no in zip(n.outputs, nn.outputs):
            assert memo[o] is no and no.owner is nn and no.type == o.type
        assert nn.trace == n.trace
    assert memo[x] is not x and memo[x].type == x.type and memo[x].name == "x"
    const = z.owner.inputs[0].owner.inputs[1]
    assert memo[const] is not const and memo[const].data == const.data
    # the original graph is untouched
    assert g.toposort([z]) == nodes
    assert all(memo[z] is not v for v in g.ancestors([z]))


def test_clone_flags(g, toy):
    x, y, z = build(toy)
    const = z.owner.inputs[0].owner.inputs[1]
    memo = g.clone_get_equiv([x, y], [z], copy_inputs=False, copy_orphans=False)
    assert memo[x] is x and memo[y] is y and memo[const] is const
    assert memo[z] is not z
    # memo given up front is respected
    w = toy.fscalar("w")
    memo = g.clone_get_equiv([x, y], [z], memo={x: w})
    assert memo[x] is w
    assert memo[z].owner.inputs[1].owner.inputs[0] is w


def test_clone(g, toy):
    x, y, z = build(toy)
    (nx, ny), (nz,) = g.clone([x, y], [z])
    assert nx is not x and ny is not y and nz is not z
    assert g.equal_computations([z], [nz], [x, y], [nx, ny])
    assert set(g.graph_inputs([nz])) - {nx, ny} == set(
        v for v in g.graph_inputs([nz]) if isinstance(v, g.Constant))
    # an output that is an input
    (nx,), (nout,) = g.clone([x], [x])
    assert nout is nx


def test_clone_replace(g, toy):
    x, y, z = build(toy)
    w = toy.fscalar("w")
    nz = g.clone_replace(z, {x: w})
    assert isinstance(nz, g.Variable) and nz is not z
    assert x not in g.ancestors([nz]) and w in g.ancestors([nz])
    assert y in g.ancestors([nz])  # untouched inputs stay
    assert g.equal_computations([nz], [z], [w, y], [x, y])
    # list in, list out; list of pairs
    (nz2,) = g.clone_replace([z], [(y, w)])
    assert g.equal_computations([nz2], [z], [x, w], [x, y])
    # replacing an inner variable
    a = z.owner.inputs[1]
    nz3 = g.clone_replace(z, {a: x})
    assert a not in g.ancestors([nz3])
    # nothing to replace -> same variables
    assert g.clone_replace(z, {}) is z
    assert g.clone_replace([z]) == [z]
    with pytest.raises(TypeError):
        g.clone_replace(z, {x: 1.0})


def test_clone_replace_shares_unchanged_subgraphs(g, toy):
    x, y = toy.fscalar("x"), toy.fscalar("y")
    a = toy.neg(y)
    z = toy.add(a, x)
    nz = g.clone_replace(z, {x: toy.fscalar()})
    assert nz.owner.inputs[0] is a  # the part without x is reused


def test_clone_replace_type_change_reruns_make_node(g, toy):
    i, j = toy.iscalar("i"), toy.iscalar("j")
    s = toy.add(i, j)
    t = toy.neg(s)
    assert t.type == toy.iscalar
    f = toy.fscalar("f")
    nt = g.clone_replace(t, {i: f})
    assert nt.type == toy.fscalar
    assert nt.owner.inputs[0].type == toy.fscalar
    assert nt.owner.inputs[0].owner.inputs == [f, j]


def test_equal_computations(g, toy):
    x, y, z = build(toy)
    x2, y2, z2 = build(toy)
    assert g.equal_computations([z], [z2], [x, y], [x2, y2])
    assert g.equal_computations(z, z, [x, y], [x, y])
    assert g.equal_computations([z], [z])
    # swapped inputs
    assert not g.equal_computations([z], [z2], [x, y], [y2, x2])
    # different constant
    x3, y3, z3 = build(toy, c=3.0)
    assert not g.equal_computations([z], [z3], [x, y], [x3, y3])
    # different op
    a = toy.add(x, y)
    m = toy.mul(x, y)
    assert not g.equal_computations([a], [m], [x, y], [x, y])
    # different op parameter
    assert not g.equal_computations([toy.AddC(1)(x)], [toy.AddC(2)(x)], [x], [x])
    assert g.equal_computations([toy.AddC(1)(x)], [toy.AddC(1)(x)], [x], [x])
    # different structure
    assert not g.equal_computations([toy.neg(toy.neg(x))], [toy.neg(x)], [x], [x])
    assert not g.equal_computations([toy.add(toy.neg(x), x)], [toy.add(x, toy.neg(x))], [x], [x])
    # free variables are only equal to themselves
    assert not g.equal_computations([toy.neg(x)], [toy.neg(y)])
    assert g.equal_computations([toy.neg(x)], [toy.neg(x)])
    # different lengths / types
    assert not g.equal_computations([z, z], [z2], [x, y], [x2, y2])
    assert not g.equal_computations([x], [toy.iscalar()], [x], [toy.iscalar()])
    with pytest.raises(ValueError):
        g.equal_computations([z], [z2], [x], [x2, y2])


def test_graph_hash(g, toy):
    x, y, z = build(toy)
    x2, y2, z2 = build(toy)
    h = g.graph_hash([z], [x, y])
    assert h == g.graph_hash([z2], [x2, y2])
    assert h == g.graph_hash(z, [x, y])
    assert isinstance(h, int)
    # position of inputs matters
    assert h != g.graph_hash([z2], [y2, x2])
    # different constants / ops / structure
    x3, y3, z3 = build(toy, c=3.0)
    assert h != g.graph_hash([z3], [x3, y3])
    assert g.graph_hash([toy.add(x, y)], [x, y]) != g.graph_hash([toy.mul(x, y)], [x, y])
    assert g.graph_hash([toy.AddC(1)(x)], [x]) != g.graph_hash([toy.AddC(2)(x)], [x])
    assert g.graph_hash([toy.AddC(1)(x)], [x]) == g.graph_hash([toy.AddC(1)(x2)], [x2])
    assert g.graph_hash([toy.neg(toy.neg(x))], [x]) != g.graph_hash([toy.neg(x)], [x])
    assert g.graph_hash([toy.add(toy.neg(x), x)], [x]) != g.graph_hash([toy.add(x, toy.neg(x))], [x])
    # output order and selection matter
    q, r = toy.divmod(x, y)
    assert g.graph_hash([q], [x, y]) != g.graph_hash([r], [x, y])
    assert g.graph_hash([q, r], [x, y]) != g.graph_hash([r, q], [x, y])


def test_hash_consistent_with_equal_computations(g, toy):
    import random

    rng = random.Random(0)
    for trial in range(20):
        seed = rng.randrange(10)
        graphs = []
        for _ in range(2):
            r = random.Random(seed)
            xs = [toy.fscalar() for _ in range(3)]
            pool = list(xs)
            for _ in range(15):
                op = r.choice([toy.add, toy.mul])
                pool.append(op(r.choice(pool), r.choice(pool)))
            graphs.append((xs, pool[-1]))
        (xa, za), (xb, zb) = graphs
        assert g.equal_computations([za], [zb], xa, xb)
        assert g.graph_hash([za], xa) == g.graph_hash([zb], xb)


def test_clone_copy_orphans_defaults_to_copy_inputs(g, toy):
    # as PyTensor's clone: copy_orphans=None follows copy_inputs
    x, y, z = build(toy)
    const = z.owner.inputs[0].owner.inputs[1]
    (nx, ny), (nz,) = g.clone([x, y], [z], copy_inputs=False)
    assert nx is x and ny is y
    assert nz.owner.inputs[0].owner.inputs[1] is const
    (nx, ny), (nz,) = g.clone([x, y], [z])
    assert nx is not x and nz.owner.inputs[0].owner.inputs[1] is not const
    (nx, ny), (nz,) = g.clone([x, y], [z], copy_inputs=False, copy_orphans=True)
    assert nx is x and nz.owner.inputs[0].owner.inputs[1] is not const
