"""Text to vectors: one encoder interface over torch, ONNX Runtime and OpenVINO, the offline
exports, and the offline builder of the default model (e5/)."""
