"""Checked reading of ONNX tensors and node attributes.

onnx.checker accepts tensors whose data does not match their dims (raw_data
of the wrong length, too few or too many typed values) and attributes of any
value; numpy_helper.to_array then fails deep inside numpy, or worse, reads
them. Every tensor the importer reads (initializers, Constant values) and
every node's attributes go through here first, so a malformed model is an
ImportError_ naming the tensor or node instead of a traceback or a value
that makes invalid MLIR further on.
"""
import numpy as np

from .common import ImportError_


def _type_name(elem_type):
    import onnx
    return onnx.TensorProto.DataType.Name(elem_type) if elem_type in onnx.TensorProto.DataType.values() \
        else str(elem_type)


def read_tensor(t, what):
    """The numpy value of TensorProto `t`, after checking that its data holds
    exactly the elements its dims ask for. `what` names it in errors
    ("initializer 'w'", "node 'c' (Constant): value")."""
    import onnx
    from onnx import mapping, numpy_helper
    dt = t.data_type
    if dt == onnx.TensorProto.UNDEFINED or dt not in mapping.TENSOR_TYPE_TO_NP_TYPE:
        raise ImportError_("%s has an undefined or unknown element type (%s)" % (what, _type_name(dt)))
    dims = [int(d) for d in t.dims]
    if any(d < 0 for d in dims):
        raise ImportError_("%s has a negative dimension in dims %s" % (what, dims))
    count = 1
    for d in dims:
        count *= d
    external = t.data_location == onnx.TensorProto.EXTERNAL
    if t.HasField("raw_data") and not external and dt != onnx.TensorProto.STRING:
        size = 2 if dt == onnx.TensorProto.BFLOAT16 else np.dtype(mapping.TENSOR_TYPE_TO_NP_TYPE[dt]).itemsize
        if len(t.raw_data) != count * size:
            raise ImportError_("%s has %d bytes of raw data, but its dims %s of %s (%d bytes each) need %d "
                               "(a truncated or corrupted file?)" % (
                                   what, len(t.raw_data), dims, _type_name(dt), size, count * size))
    elif not t.HasField("raw_data") and not external:
        field = mapping.STORAGE_TENSOR_TYPE_TO_FIELD[mapping.TENSOR_TYPE_TO_STORAGE_TENSOR_TYPE[dt]]
        per = 2 if dt in (onnx.TensorProto.COMPLEX64, onnx.TensorProto.COMPLEX128) else 1
        n = len(getattr(t, field))
        if n != count * per:
            raise ImportError_("%s holds %d values in %s, but its dims %s need %d (a truncated or corrupted "
                               "file?)" % (what, n, field, dims, count * per))
    try:
        return numpy_helper.to_array(t)
    except Exception as e:  # external data that cannot be read, segments, ...
        raise ImportError_("%s cannot be read: %s" % (what, e))


def read_attrs(node, where):
    """name -> value of `node`'s attributes; tensors checked by read_tensor,
    float attributes finite (a nan alpha, epsilon or scale has no meaning in
    any operator qc imports; only a Constant may hold non-finite values, which
    the importer refuses where they are used)."""
    import onnx
    out = {}
    for a in node.attribute:
        if a.type == onnx.AttributeProto.TENSOR:
            out[a.name] = read_tensor(a.t, "%s: attribute %s" % (where, a.name))
            continue
        v = onnx.helper.get_attribute_value(a)
        if node.op_type != "Constant" and a.type in (onnx.AttributeProto.FLOAT, onnx.AttributeProto.FLOATS) \
                and not np.all(np.isfinite(np.asarray(v, np.float64))):
            raise ImportError_("%s: attribute %s is %s; it must be finite" % (where, a.name, v))
        out[a.name] = v
    return out
