"""qc: Python side of the qc quantization compiler (numpy reference numerics)."""
