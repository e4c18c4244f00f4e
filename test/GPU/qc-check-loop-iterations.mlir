// RUN: qc-opt %s --qc-check-loop-iterations -split-input-file -verify-diagnostics | FileCheck %s

// 100 * 301 + 101 + 301 = 30502 iterations: within 32768. A chunked loop
// (upper bound min(lb + 100, 300)) counts 100 iterations, not 300.
// CHECK-LABEL: gpu.func @within
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @within(%x: memref<300x300xi32>, %y: memref<4xi32>, %lb: index) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c100 = arith.constant 100 : index
      %c300 = arith.constant 300 : index
      %z = arith.constant 0 : i32
      %end = arith.addi %lb, %c100 : index
      %ub = arith.minsi %end, %c300 : index
      %r = scf.for %h = %lb to %ub step %c1 iter_args(%a = %z) -> (i32) {
        %s = scf.for %w = %c0 to %c300 step %c1 iter_args(%b = %a) -> (i32) {
          %v = memref.load %x[%h, %w] : memref<300x300xi32>
          %n = arith.addi %b, %v : i32
          scf.yield %n : i32
        }
        scf.yield %s : i32
      }
      %t = scf.for %k = %c0 to %c300 step %c1 iter_args(%a = %r) -> (i32) {
        %n = arith.addi %a, %a : i32
        scf.yield %n : i32
      }
      memref.store %t, %y[%c0] : memref<4xi32>
      gpu.return
    }
  }
}

// -----

// 300 * 301 + 301 = 90601 iterations: over the bound.
module attributes {gpu.container_module} {
  gpu.module @kernels {
    // expected-error @+1 {{kernel 'over' may run 90601 loop iterations per invocation, over the bound of 32768 (llvmpipe stops an invocation's loops after 65535 in all}}
    gpu.func @over(%x: memref<300x300xi32>, %y: memref<4xi32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c300 = arith.constant 300 : index
      %z = arith.constant 0 : i32
      %r = scf.for %h = %c0 to %c300 step %c1 iter_args(%a = %z) -> (i32) {
        %s = scf.for %w = %c0 to %c300 step %c1 iter_args(%b = %a) -> (i32) {
          %v = memref.load %x[%h, %w] : memref<300x300xi32>
          %n = arith.addi %b, %v : i32
          scf.yield %n : i32
        }
        scf.yield %s : i32
      }
      memref.store %r, %y[%c0] : memref<4xi32>
      gpu.return
    }
  }
}

// -----

// A loop bound with no constant bound cannot be checked.
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @unknown(%x: memref<?xi32>, %y: memref<4xi32>, %n: index) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %z = arith.constant 0 : i32
      // expected-error @+1 {{kernel 'unknown': loop with no constant bound; cannot check it against the bound of 32768 loop iterations per invocation}}
      %r = scf.for %i = %c0 to %n step %c1 iter_args(%a = %z) -> (i32) {
        %v = memref.load %x[%i] : memref<?xi32>
        %s = arith.addi %a, %v : i32
        scf.yield %s : i32
      }
      memref.store %r, %y[%c0] : memref<4xi32>
      gpu.return
    }
  }
}
