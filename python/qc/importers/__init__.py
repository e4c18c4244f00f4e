"""Importers: ONNX QDQ models and PyTorch FX QAT models -> qc MLIR."""
