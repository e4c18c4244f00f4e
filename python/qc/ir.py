"""Reads MLIR in the generic op form (`qc-opt --mlir-print-op-generic`) into
Python objects, for qc.interpreter (the numpy evaluator of folded qc IR).

The generic form is one uniform syntax for every dialect:

    %r:2 = "dialect.op"(%a, %b#1) <{prop = ...}> ({ ^bb0(%x: f32): ... }) {attr = ...} : (T, T) -> (T, T)

so a small scanner reads any module without knowing its ops. Attribute and
property values are kept as their text and decoded on demand (`Attr`); types
are decoded by `parse_type` into `TensorType` / `QuantType` / scalar names.
Aliases (`#map = affine_map<...>`, `!t = ...`) are substituted. Nothing here
evaluates anything.
"""
import re

import numpy as np


class ParseError(Exception):
    pass


_OPEN = {"(": ")", "[": "]", "{": "}", "<": ">"}


class Scanner:
    def __init__(self, text):
        self.text = text
        self.pos = 0

    def error(self, what):
        line = self.text.count("\n", 0, self.pos) + 1
        col = self.pos - (self.text.rfind("\n", 0, self.pos) + 1) + 1
        snippet = self.text[self.pos:self.pos + 60].split("\n")[0]
        raise ParseError("line %d, column %d: %s (at %r)" % (line, col, what, snippet))

    def skip(self):
        t, n = self.text, len(self.text)
        while self.pos < n:
            c = t[self.pos]
            if c in " \t\r\n":
                self.pos += 1
            elif t.startswith("//", self.pos):
                end = t.find("\n", self.pos)
                self.pos = n if end < 0 else end
            else:
                break

    def peek(self, s):
        self.skip()
        return self.text.startswith(s, self.pos)

    def accept(self, s):
        if self.peek(s):
            self.pos += len(s)
            return True
        return False

    def expect(self, s):
        if not self.accept(s):
            self.error("expected %r" % s)

    def regex(self, pattern, what):
        self.skip()
        m = re.compile(pattern).match(self.text, self.pos)
        if not m:
            self.error("expected " + what)
        self.pos = m.end()
        return m.group(0)

    def string(self):
        self.skip()
        if not self.peek('"'):
            self.error("expected a string")
        end = self.pos + 1
        while self.text[end] != '"':
            end += 2 if self.text[end] == "\\" else 1
        s = self.text[self.pos + 1:end]
        self.pos = end + 1
        return s

    def balanced(self, stops):
        """Raw text up to (not including) a top-level character in `stops`,
        skipping nested brackets, strings and the `->` arrow."""
        self.skip()
        t, start, depth = self.text, self.pos, []
        i = self.pos
        while i < len(t):
            c = t[i]
            if c == '"':
                i += 1
                while t[i] != '"':
                    i += 2 if t[i] == "\\" else 1
            elif c == "-" and t.startswith("->", i):
                i += 1
            elif c in _OPEN:
                depth.append(_OPEN[c])
            elif depth and c == depth[-1]:
                depth.pop()
            elif not depth and c in stops:
                break
            elif c in ")]}>":
                self.pos = i
                self.error("unbalanced %r" % c)
            i += 1
        self.pos = i
        return t[start:i].strip()


class Attr(str):
    """The text of an attribute value; decoders below."""


class Block:
    def __init__(self, args, ops):
        self.args = args        # [(name, type text)]
        self.ops = ops


class Op:
    def __init__(self, name, results, operands, attrs, regions, operand_types, result_types):
        self.name = name
        self.results = results          # value names, e.g. ["%3"] or ["%3#0", "%3#1"]
        self.operands = operands        # value names
        self.attrs = attrs              # {name: Attr}; properties and attributes together
        self.regions = regions          # [[Block]]
        self.operand_types = operand_types
        self.result_types = result_types

    def __repr__(self):
        return "<%s %s>" % (self.name, ", ".join(self.results))


def _split_top(text, sep=","):
    s = Scanner(text)
    parts = []
    while True:
        s.skip()
        if s.pos >= len(text):
            break
        parts.append(s.balanced(sep))
        if not s.accept(sep):
            break
    return parts


def _parse_value_list(s, close):
    names = []
    while not s.accept(close):
        names.append(s.regex(r"%[A-Za-z0-9_.$-]+(#\d+)?", "a value"))
        s.accept(",")
    return names


def _parse_attr_dict(s, close):
    attrs = {}
    while not s.accept(close):
        key = s.string() if s.peek('"') else s.regex(r"[A-Za-z_][A-Za-z0-9_.$]*", "an attribute name")
        attrs[key] = Attr(s.balanced(",}")) if s.accept("=") else Attr("unit")
        s.accept(",")
    return attrs


def _parse_types(text):
    text = text.strip()
    if text.startswith("(") and text.endswith(")") and _matching_close(text, 0) == len(text) - 1:
        text = text[1:-1]
    return [t for t in _split_top(text)] if text else []


def _matching_close(text, start):
    s = Scanner(text)
    s.pos = start + 1
    s.balanced(")")
    return s.pos


def _parse_region(s):
    s.expect("{")
    blocks = []
    args, ops = [], []
    while not s.accept("}"):
        if s.peek("^"):
            if ops or args:
                blocks.append(Block(args, ops))
                args, ops = [], []
            s.regex(r"\^[A-Za-z0-9_]+", "a block label")
            if s.accept("("):
                for part in _split_top(s.balanced(")")):
                    name, _, ty = part.partition(":")
                    args.append((name.strip(), ty.strip()))
                s.expect(")")
            s.expect(":")
            continue
        ops.append(_parse_op(s))
    blocks.append(Block(args, ops))
    return blocks


def _parse_op(s):
    results = []
    if s.peek("%"):
        while True:
            name = s.regex(r"%[A-Za-z0-9_.$-]+", "a result name")
            count = int(s.regex(r":\d+", "a count")[1:]) if s.peek(":") else 1
            results += [name] if count == 1 else ["%s#%d" % (name, i) for i in range(count)]
            if not s.accept(","):
                break
        s.expect("=")
    if not s.peek('"'):
        s.error("expected an operation in generic form (run qc-opt with --mlir-print-op-generic)")
    name = s.string()
    s.expect("(")
    operands = _parse_value_list(s, ")")
    if s.accept("["):
        s.balanced("]")
        s.expect("]")
    attrs = {}
    if s.accept("<{"):
        attrs.update(_parse_attr_dict(s, "}>"))
    regions = []
    if s.peek("({"):
        s.expect("(")
        while True:
            regions.append(_parse_region(s))
            if not s.accept(","):
                break
        s.expect(")")
    if s.accept("{"):
        attrs.update(_parse_attr_dict(s, "}"))
    s.expect(":")
    ftype = s.balanced("\n")
    ins, _, outs = ftype.partition("->")
    return Op(name, results, operands, attrs, regions, _parse_types(ins), _parse_types(outs))


_ALIAS = re.compile(r"^([#!][A-Za-z0-9_.$-]+)\s*=\s*(.*)$", re.M)


def parse_module(text):
    """Parses a generic-form module; returns its top-level Op (builtin.module)."""
    aliases = {}
    body = []
    for line in text.split("\n"):
        m = _ALIAS.match(line)
        if m and not line.startswith(" "):
            aliases[m.group(1)] = m.group(2).strip()
        else:
            body.append(line)
    text = "\n".join(body)
    if aliases:
        names = sorted(aliases, key=len, reverse=True)
        pattern = re.compile("|".join(re.escape(n) + r"(?![A-Za-z0-9_.$-])" for n in names))
        text = pattern.sub(lambda m: aliases[m.group(0)], text)
    s = Scanner(text)
    ops = []
    while True:
        s.skip()
        if s.pos >= len(text):
            break
        ops.append(_parse_op(s))
    if len(ops) == 1 and ops[0].name == "builtin.module":
        return ops[0]
    return Op("builtin.module", [], [], {}, [[Block([], ops)]], [], [])


def functions(module):
    """{name: func.func Op} of a module."""
    out = {}
    for op in module.regions[0][0].ops:
        if op.name == "func.func":
            out[attr_string(op.attrs["sym_name"])] = op
    return out


# ---------------------------------------------------------------- types

class QuantType:
    """!quant.uniform: storage bits/sign/range, scales and zero points (one
    per slice of `axis`, or one with axis None)."""

    def __init__(self, bits, signed, qmin, qmax, expressed, axis, scales, zero_points):
        self.bits, self.signed, self.qmin, self.qmax = bits, signed, qmin, qmax
        self.expressed, self.axis = expressed, axis
        self.scales = np.asarray(scales, np.float64)
        self.zero_points = np.asarray(zero_points, np.int64)

    def along(self, values, rank):
        """Per-axis parameters shaped to broadcast over a rank-`rank` tensor."""
        values = np.asarray(values)
        if self.axis is None:
            return values[0]
        shape = [1] * rank
        shape[self.axis] = -1
        return values.reshape(shape)

    def __repr__(self):
        return "QuantType(%s%d[%d:%d], axis=%s, %s, %s)" % ("i" if self.signed else "u", self.bits, self.qmin,
                                                         self.qmax, self.axis, self.scales[:4], self.zero_points[:4])


class TensorType:
    def __init__(self, shape, element):
        self.shape = tuple(shape)
        self.element = element      # "f32", "i8", ... or a QuantType

    @property
    def quant(self):
        return self.element if isinstance(self.element, QuantType) else None

    def __repr__(self):
        return "TensorType(%s, %s)" % (self.shape, self.element)


_FLOAT_DTYPES = {"f16": np.float16, "f32": np.float32, "f64": np.float64}


def numpy_dtype(element):
    if element in _FLOAT_DTYPES:
        return np.dtype(_FLOAT_DTYPES[element])
    if element == "index":
        return np.dtype(np.int64)
    m = re.fullmatch(r"([su]?)i(\d+)", element)
    if m:
        bits = int(m.group(2))
        if bits == 1:
            return np.dtype(np.bool_)
        width = next(w for w in (8, 16, 32, 64) if w >= bits)
        return np.dtype("%s%d" % ("uint" if m.group(1) == "u" else "int", width))
    raise ParseError("no numpy type for element type %r" % element)


def parse_quant(text):
    m = re.fullmatch(r"!quant\.uniform<([iu])(\d+)(?:<(-?\d+):(-?\d+)>)?:([a-z0-9]+)(?::(\d+))?,\s*(.*)>",
                     text.strip(), re.S)
    if not m:
        raise ParseError("unsupported quantized type %r" % text[:120])
    signed, bits = m.group(1) == "i", int(m.group(2))
    if m.group(3) is not None:
        qmin, qmax = int(m.group(3)), int(m.group(4))
    elif signed:
        qmin, qmax = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    else:
        qmin, qmax = 0, (1 << bits) - 1
    axis = int(m.group(6)) if m.group(6) is not None else None
    params = m.group(7).strip()
    if params.startswith("{"):
        params = params[1:-1]
    scales, zps = [], []
    for p in params.split(","):
        s, _, z = p.strip().partition(":")
        # A scale decimal printing cannot round-trip is printed as its f64 bits.
        scales.append(float(np.array([int(s, 16)], np.uint64).view(np.float64)[0]) if s.startswith("0x")
                      else float(s))
        zps.append(int(z) if z else 0)
    return QuantType(bits, signed, qmin, qmax, m.group(5), axis, scales, zps)


def parse_type(text):
    """'tensor<2x3x!quant.uniform<...>>' -> TensorType; scalars stay strings."""
    text = text.strip()
    if text.startswith("tensor<"):
        inner = text[len("tensor<"):-1]
        m = re.match(r"((?:(?:\d+|\?)x)*)", inner)
        dims = [int(d) if d != "?" else -1 for d in m.group(1).split("x")[:-1]]
        elem = inner[m.end():]
        return TensorType(dims, parse_quant(elem) if elem.startswith("!quant") else elem)
    if text.startswith("!quant"):
        return parse_quant(text)
    return text


# ---------------------------------------------------------------- attributes

def attr_string(a):
    return a.strip()[1:-1] if a.strip().startswith('"') else a.strip()


def attr_int(a):
    return int(a.split(":")[0].strip())


def attr_array(a):
    """array<i64: 1, 2> or [1, 2] or dense<[1, 2]> : tensor<2xi64> -> [int]."""
    a = a.strip()
    if a.startswith("array<"):
        body = a[len("array<"):-1]
        _, _, values = body.partition(":")
        return [int(v) for v in values.split(",") if v.strip()]
    if a.startswith("dense<"):
        return [int(v) for v in dense(a).reshape(-1)]
    if a.startswith("["):
        return [attr_int(v) for v in _split_top(a[1:-1])]
    raise ParseError("not an integer array: %r" % a[:80])


def attr_enum(a):
    """#qc.profile<double_round> -> 'double_round'."""
    m = re.fullmatch(r"#[A-Za-z0-9_.]+<([A-Za-z0-9_]+)>", a.strip())
    return m.group(1) if m else a.strip()


_NUMBER = re.compile(r"0x[0-9A-Fa-f]+|[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|inf|nan)|true|false")


def _scalar(tok, dtype):
    if tok.startswith("0x"):
        bits = int(tok, 16)
        if dtype.kind == "f":
            return np.array([bits], dtype="uint%d" % (dtype.itemsize * 8)).view(dtype)[0]
        return bits
    if tok in ("true", "false"):
        return tok == "true"
    return float(tok) if dtype.kind == "f" else int(tok)


def dense(a):
    """dense<...> : tensor<...> -> numpy array (hex or nested lists or splat)."""
    a = a.strip()
    body, _, ty = a.rpartition(":")
    ttype = parse_type(ty)
    if not isinstance(ttype, TensorType):
        raise ParseError("dense attribute without tensor type: %r" % a[:80])
    element = ttype.element
    dtype = numpy_dtype(element if isinstance(element, str) else "i%d" % element.bits)
    body = body.strip()
    assert body.startswith("dense<") and body.endswith(">"), body[:40]
    content = body[len("dense<"):-1].strip()
    count = int(np.prod(ttype.shape, dtype=np.int64))
    if content.startswith('"0x'):
        raw = bytes.fromhex(content[3:-1])
        if dtype == np.bool_:
            values = np.frombuffer(raw, np.uint8).astype(np.bool_)
        else:
            values = np.frombuffer(raw, dtype.newbyteorder("<"))
        if values.size == 1 and count != 1:
            values = np.full(count, values[0], dtype)
        width = re.fullmatch(r"i(\d+)", element) if isinstance(element, str) else None
        if width and 1 < int(width.group(1)) < 8:
            # Integers narrower than a byte take a byte each in the hex form,
            # their bits zero-extended: sign-extend them as the decimal form.
            sign = 1 << (int(width.group(1)) - 1)
            values = ((values.astype(np.int64) & (2 * sign - 1)) ^ sign) - sign
        return values.astype(dtype).reshape(ttype.shape)
    if content.startswith('"'):
        raise ParseError("unsupported dense string literal")
    toks = _NUMBER.findall(content)
    values = np.array([_scalar(t, dtype) for t in toks], dtype=dtype)
    if values.size == 1 and count != 1:
        values = np.full(count, values[0], dtype)
    if values.size != count:
        raise ParseError("dense attribute has %d values for shape %s" % (values.size, ttype.shape))
    return values.reshape(ttype.shape)


def scalar_attr(a):
    """'1.5 : f32' / '3 : i64' / 'true' -> (python number, type)."""
    value, _, ty = a.rpartition(":")
    ty = ty.strip()
    if not value:
        return (a.strip() == "true"), "i1"
    dtype = numpy_dtype(ty)
    tok = value.strip()
    return dtype.type(_scalar(tok, dtype)), ty


# ---------------------------------------------------------------- affine maps

def affine_map(a):
    """affine_map<(d0, d1)[s0] -> (d0 + d1 * 2, 3)> -> (n_dims, [expr]); each
    expr is a ({dim index: coefficient}, constant) linear form."""
    a = a.strip()
    m = re.fullmatch(r"affine_map<\((.*?)\)(?:\[(.*?)\])?\s*->\s*\((.*)\)>", a, re.S)
    if not m:
        raise ParseError("unsupported affine map %r" % a[:80])
    dims = [d.strip() for d in m.group(1).split(",") if d.strip()]
    index = {d: i for i, d in enumerate(dims)}
    exprs = [_linear(e, index) for e in _split_top(m.group(3))] if m.group(3).strip() else []
    return len(dims), exprs


def _linear(expr, index):
    coeffs, const = {}, 0
    expr = expr.replace(" ", "").replace("-", "+-")
    for term in expr.split("+"):
        if not term:
            continue
        factors = term.split("*")
        coef, dim = 1, None
        for f in factors:
            neg = f.startswith("-")
            f = f.lstrip("-")
            if neg:
                coef = -coef
            if f in index:
                if dim is not None:
                    raise ParseError("non-linear affine expression %r" % expr)
                dim = index[f]
            elif re.fullmatch(r"\d+", f):
                coef *= int(f)
            else:
                raise ParseError("unsupported affine expression %r" % expr)
        if dim is None:
            const += coef
        else:
            coeffs[dim] = coeffs.get(dim, 0) + coef
    return coeffs, const
