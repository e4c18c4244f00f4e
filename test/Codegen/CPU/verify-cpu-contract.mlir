// RUN: qc-opt %s -split-input-file -verify-diagnostics --qc-verify-cpu-contract="integer-only=true"

llvm.func @integer(%x: i32) -> i32 {
  %y = llvm.add %x, %x : i32
  llvm.return %y : i32
}

// -----

func.func @not_lowered() {
  // expected-error@+1 {{'func.return' is not in the LLVM dialect after the CPU lowering}}
  return
}

// -----

// expected-error@+1 {{floating-point value in 'llvm.func' in code required to be integer-only}}
llvm.func @float_argument(%x: f32) {
  llvm.return
}

// -----

llvm.func @float_op(%x: i32) -> i32 {
  // expected-error@+1 {{floating-point value in 'llvm.sitofp'}}
  %f = llvm.sitofp %x : i32 to f32
  %y = llvm.fptosi %f : f32 to i32
  llvm.return %y : i32
}
