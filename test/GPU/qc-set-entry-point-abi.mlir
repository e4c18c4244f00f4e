// RUN: qc-opt %s --qc-set-entry-point-abi -split-input-file -verify-diagnostics | FileCheck %s

// The workgroup size comes from the launch, not from a default.
// CHECK-LABEL: gpu.module @k
// CHECK: gpu.func @f
// CHECK-SAME: spirv.entry_point_abi = #spirv.entry_point_abi<workgroup_size = [16, 4, 1]>
module attributes {gpu.container_module} {
  func.func @host(%m: memref<64xi32>) {
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %c16 = arith.constant 16 : index
    gpu.launch_func @k::@f blocks in (%c4, %c1, %c1) threads in (%c16, %c4, %c1) args(%m : memref<64xi32>)
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c16, %c4, %c1) args(%m : memref<64xi32>)
    return
  }
  gpu.module @k {
    gpu.func @f(%m: memref<64xi32>) kernel {
      gpu.return
    }
  }
}

// -----

// A kernel that is never launched keeps its known_block_size.
// CHECK-LABEL: gpu.module @unlaunched
// CHECK: spirv.entry_point_abi = #spirv.entry_point_abi<workgroup_size = [32, 1, 1]>
module attributes {gpu.container_module} {
  gpu.module @unlaunched {
    gpu.func @f() kernel attributes {known_block_size = array<i32: 32, 1, 1>} {
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  func.func @host(%m: memref<64xi32>) {
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    %c16 = arith.constant 16 : index
    // expected-note@+1 {{other launch here}}
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c8, %c1, %c1) args(%m : memref<64xi32>)
    // expected-error@+1 {{kernel @k::@f is launched with block size (16, 1, 1) here and (8, 1, 1) elsewhere}}
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c16, %c1, %c1) args(%m : memref<64xi32>)
    return
  }
  gpu.module @k {
    gpu.func @f(%m: memref<64xi32>) kernel {
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  func.func @host(%m: memref<64xi32>, %n: index) {
    %c1 = arith.constant 1 : index
    // expected-error@+1 {{block size of a launch must be a constant}}
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%n, %c1, %c1) args(%m : memref<64xi32>)
    return
  }
  gpu.module @k {
    gpu.func @f(%m: memref<64xi32>) kernel {
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  func.func @host(%m: memref<64xi32>) {
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    gpu.launch_func @k::@f blocks in (%c1, %c1, %c1) threads in (%c8, %c1, %c1) args(%m : memref<64xi32>)
    return
  }
  gpu.module @k {
    // expected-error@+1 {{known_block_size (4, 1, 1) disagrees with the launch block size (8, 1, 1)}}
    gpu.func @f(%m: memref<64xi32>) kernel attributes {known_block_size = array<i32: 4, 1, 1>} {
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k {
    // expected-error@+1 {{kernel is never launched and has no known_block_size}}
    gpu.func @f() kernel {
      gpu.return
    }
  }
}
