// RUN: qc-opt %s --qc-verify-spirv-contract -split-input-file -verify-diagnostics

// A host function with only what the runtime executes, and an integer kernel.
module attributes {gpu.container_module} {
  func.func @main(%a: memref<4xi32>) {
    %c1 = arith.constant 1 : index
    %b = memref.alloc() : memref<4xi32>
    gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%b : memref<4xi32>)
    memref.copy %b, %a : memref<4xi32> to memref<4xi32>
    memref.dealloc %b : memref<4xi32>
    return
  }
  gpu.module @k {
    gpu.func @k(%m: memref<4xi32>) kernel {
      gpu.return
    }
  }
  spirv.module @__spv__k Logical GLSL450 {
    spirv.func @k() "None" {
      %0 = spirv.Constant 1 : i32
      spirv.Return
    }
  }
}

// -----

// NOTE: a loop left on the host would run nowhere.
module attributes {gpu.container_module} {
  func.func @main(%a: memref<4xi32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %v = arith.constant 0 : i32
    // expected-error@+1 {{host op 'scf.for' cannot run on the Vulkan target}}
    scf.for %i = %c0 to %c4 step %c1 {
      memref.store %v, %a[%i] : memref<4xi32>
    }
    return
  }
}

// -----

module attributes {gpu.container_module} {
  func.func @main(%a: memref<4xi32>) {
    %c1 = arith.constant 1 : index
    // expected-error@+1 {{kernel @k::@k was not converted to SPIR-V}}
    gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<4xi32>)
    return
  }
  gpu.module @k {
    gpu.func @k(%m: memref<4xi32>) kernel {
      gpu.return
    }
  }
}

// -----

module {
  spirv.module @__spv__k Logical GLSL450 {
    spirv.func @k() "None" {
      // expected-error@+1 {{floating-point computation in kernel __spv__k}}
      %0 = spirv.Constant 1.0 : f32
      spirv.Return
    }
  }
}
