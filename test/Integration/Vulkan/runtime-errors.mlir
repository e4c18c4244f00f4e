// The Vulkan runner and runtime fail with a clear message and a non-zero exit
// (never a crash) on: no Vulkan driver, an unknown device, wrong inputs, a
// host op the bundle cannot express, a broken manifest.
// RUN: rm -rf %t && mkdir -p %t
// (Two public functions: each run names its --entry.)
// RUN: %python -c "import numpy as np; np.save('%t/a.npy', np.ones((5, 7), np.int8)); np.save('%t/b.npy', np.ones((7, 3), np.int8)); np.save('%t/bt.npy', np.ones((3, 7), np.int8)); np.save('%t/bf.npy', np.ones((7, 3), np.float32))"
// RUN: env VK_DRIVER_FILES=%t/none.json VK_ICD_FILENAMES=%t/none.json not qc-vulkan-run %s --entry main --input %t/a.npy --input %t/b.npy 2>&1 | FileCheck %s --check-prefix=NOICD
// NOICD: qc-vulkan-run: error: Vulkan: no Vulkan driver (ICD) found
// RUN: env QC_VULKAN_DEVICE=no-such-gpu not qc-vulkan-run %s --entry main --input %t/a.npy --input %t/b.npy 2>&1 | FileCheck %s --check-prefix=DEVICE
// DEVICE: error: Vulkan: no device name contains 'no-such-gpu' (devices: 0: 
// RUN: not qc-vulkan-run %s --entry main --device 99 --input %t/a.npy --input %t/b.npy 2>&1 | FileCheck %s --check-prefix=INDEX
// INDEX: error: Vulkan: QC_VULKAN_DEVICE=99 but there are {{[0-9]+}} devices
// RUN: not qc-vulkan-run %s --entry main --input %t/a.npy --input %t/bt.npy 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: error: Vulkan: input 1: expected i8[7x3], got int8[3x7]
// RUN: not qc-vulkan-run %s --entry main --input %t/a.npy --input %t/bf.npy 2>&1 | FileCheck %s --check-prefix=DTYPE
// DTYPE: error: Vulkan: input 1: expected i8[7x3], got float32[7x3]
// RUN: not qc-vulkan-run %s --entry main --input %t/a.npy 2>&1 | FileCheck %s --check-prefix=COUNT
// COUNT: error: Vulkan: @main takes 2 input(s), got 1
// RUN: not qc-vulkan-run %s --entry with_call --input %t/a.npy 2>&1 | FileCheck %s --check-prefix=HOSTOP
// HOSTOP: error: host op 'func.call' cannot run on the Vulkan target
// HOSTOP: error: qc-spirv-pipeline failed; reproduce with: qc-opt --qc-spirv-pipeline="{{.*}}" on the input
// RUN: qc-vulkan-bundle %s --entry main -o %t/bundle
// RUN: %python -c "import json; p='%t/bundle/manifest.json'; m=json.load(open(p)); del m['kernels'][0]['entry_point']; json.dump(m, open(p, 'w'))"
// RUN: not qc-vulkan-run --bundle %t/bundle --input %t/a.npy --input %t/b.npy 2>&1 | FileCheck %s --check-prefix=MANIFEST
// MANIFEST: manifest.json: kernels[0]: missing field 'entry_point'
// A manifest whose bindings disagree with the kernel's SPIR-V is refused
// before anything is created (no validation layer needed).
// RUN: qc-vulkan-bundle %s --entry main -o %t/nobinding
// RUN: %python %S/Inputs/make_bad_bundle.py %t/nobinding drop-binding
// RUN: not qc-vulkan-run --bundle %t/nobinding --input %t/a.npy --input %t/b.npy 2>&1 | FileCheck %s --check-prefix=BINDING
// BINDING: error: Vulkan: kernel 'main_contraction_0': the shader uses descriptor set 0 binding 2, the manifest declares 2 bindings in set 0
// Kernel names and files must be plain file names, the names unique.
// (The tiled bundle: its padding copies and the contraction are several
// kernels; the generic one is a single kernel since qc-fold-init-fills.)
// RUN: qc-vulkan-bundle %s --entry main -o %t/dupkernel
// RUN: %python %S/Inputs/make_bad_bundle.py %t/dupkernel duplicate-kernel
// RUN: not qc-vulkan-run --bundle %t/dupkernel --input %t/a.npy --input %t/b.npy 2>&1 | FileCheck %s --check-prefix=DUPKERNEL
// DUPKERNEL: manifest.json: kernels[1]: duplicate kernel name '{{main_kernel[_0-9]*}}'
// RUN: qc-vulkan-bundle %s --entry main -o %t/outside
// RUN: %python %S/Inputs/make_bad_bundle.py %t/outside outside-path
// RUN: not qc-vulkan-run --bundle %t/outside --input %t/a.npy --input %t/b.npy 2>&1 | FileCheck %s --check-prefix=OUTSIDE
// OUTSIDE: manifest.json: kernels[0]: kernel name '{{.*}}' or file '../{{.*}}.spv' is not a file name in the bundle directory
// A kernel compiled for more workgroup (shared) memory than the device has
// (the size comes from the SPIR-V): refused naming kernel, need and limit.
// The unchanged bundle runs.
// RUN: %python -c "import numpy as np; np.save('%t/a48.npy', np.ones((4, 8), np.int8)); np.save('%t/b84.npy', np.ones((8, 4), np.int8))"
// RUN: qc-vulkan-bundle %s --entry staged -o %t/shared --print-manifest | FileCheck %s --check-prefix=STAGED
// STAGED: "config": "{{.*}}, shared {{[0-9]+}} B ({{.*}} k per stage)
// RUN: qc-vulkan-run --bundle %t/shared --input %t/a48.npy --input %t/b84.npy
// RUN: %python %S/Inputs/make_bad_bundle.py %t/shared huge-shared
// RUN: not qc-vulkan-run --bundle %t/shared --input %t/a48.npy --input %t/b84.npy 2>&1 | FileCheck %s --check-prefix=SHARED
// SHARED: error: Vulkan: kernel 'staged_contraction_0' needs {{[0-9]+}} bytes of workgroup (shared) memory but maxComputeSharedMemorySize of '{{.*}}' is {{[0-9]+}} (compile with a smaller max-shared-memory or shared-memory-tiles=false)
// The limits are checked on the manifest's workgroup size: it must be the
// shader's.
// RUN: qc-vulkan-bundle %s --entry main -o %t/wgsize
// RUN: %python %S/Inputs/make_bad_bundle.py %t/wgsize wrong-workgroup
// RUN: not qc-vulkan-run --bundle %t/wgsize --input %t/a.npy --input %t/b.npy 2>&1 | FileCheck %s --check-prefix=WGMISMATCH
// WGMISMATCH: error: Vulkan: kernel '{{main_kernel|main_contraction_0}}': the shader's workgroup size [[X:[0-9]+]]x[[Y:[0-9]+]]x1 differs from the manifest's {{[0-9]+}}x[[Y]]x1
// RUN: not qc-vulkan-run --bundle %t/missing --input %t/a.npy 2>&1 | FileCheck %s --check-prefix=NODIR
// NODIR: error: cannot read '{{.*}}missing{{/|\\}}manifest.json'

func.func @main(%a: tensor<5x7xi8>, %b: tensor<7x3xi8>) -> tensor<5x3xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<5x3xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<5x3xi32>) -> tensor<5x3xi32>
  %r = linalg.matmul ins(%a, %b : tensor<5x7xi8>, tensor<7x3xi8>)
                     outs(%f : tensor<5x3xi32>) -> tensor<5x3xi32>
  return %r : tensor<5x3xi32>
}

// K a multiple of 4: staged through workgroup memory by default.
func.func @staged(%a: tensor<4x8xi8>, %b: tensor<8x4xi8>) -> tensor<4x4xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<4x4xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<4x4xi32>) -> tensor<4x4xi32>
  %r = linalg.matmul ins(%a, %b : tensor<4x8xi8>, tensor<8x4xi8>)
                     outs(%f : tensor<4x4xi32>) -> tensor<4x4xi32>
  return %r : tensor<4x4xi32>
}

func.func private @helper(%a: tensor<5x7xi8>) -> tensor<5x7xi8>

func.func @with_call(%a: tensor<5x7xi8>) -> tensor<5x7xi8> {
  %r = func.call @helper(%a) : (tensor<5x7xi8>) -> tensor<5x7xi8>
  return %r : tensor<5x7xi8>
}

// A device without 8-bit storage (masked on this one): the default bundle is
// refused before anything runs; an unknown feature name is refused too.
// RUN: env QC_VULKAN_MASK_FEATURES=storageBuffer8BitAccess not qc-vulkan-run %s --entry main --input %t/a.npy --input %t/b.npy 2>&1 | FileCheck %s --check-prefix=FEATURE
// FEATURE: error: Vulkan: kernel '{{main_kernel|main_contraction_0}}' needs SPIR-V capability StorageBuffer8BitAccess but device '{{.*}}' lacks feature storageBuffer8BitAccess (compile with the qc-spirv-pipeline option 'portable' for such devices)
// RUN: env QC_VULKAN_MASK_FEATURES=int8 not qc-vulkan-run %s --entry main --input %t/a.npy --input %t/b.npy 2>&1 | FileCheck %s --check-prefix=MASK
// MASK: error: Vulkan: cannot mask unknown feature 'int8'

// Device limits are queried, not assumed: workgroups no Vulkan device allows.
// RUN: not qc-vulkan-run %s --entry main --options="contraction-kernels=false tile-sizes=2,1024" --input %t/a.npy --input %t/b.npy 2>&1 | FileCheck %s --check-prefix=INVOCATIONS
// INVOCATIONS: error: Vulkan: kernel 'main_kernel': 2048 invocations per workgroup exceed maxComputeWorkGroupInvocations {{[0-9]+}} of '{{.*}}'
// RUN: not qc-vulkan-run %s --entry main --options="contraction-kernels=false tile-sizes=65536,1" --input %t/a.npy --input %t/b.npy 2>&1 | FileCheck %s --check-prefix=WGSIZE
// WGSIZE: error: Vulkan: kernel 'main_kernel': workgroup size 65536 in dimension 0 exceeds maxComputeWorkGroupSize {{[0-9]+}} of '{{.*}}'
