// qc-vulkan-bundle and qc-vulkan-run take the module's only public function
// when --entry is not given, like qc-run and qc-compile (the importers name
// it after the model, not @main); several public functions need --entry.
// RUN: rm -rf %t && split-file %s %t
// RUN: qc-vulkan-bundle %t/one.mlir -o %t/bundle --print-manifest | FileCheck %s
// CHECK: "entry": "add_i8"
// RUN: not qc-vulkan-bundle %t/two.mlir -o %t/bundle2 2>&1 | FileCheck %s --check-prefix=TWO
// RUN: not qc-vulkan-run %t/two.mlir 2>&1 | FileCheck %s --check-prefix=TWO
// TWO: error: the module has 2 public functions; name the one to run with --entry
// RUN: not test -e %t/bundle2
// RUN: qc-vulkan-bundle %t/two.mlir --entry second -o %t/bundle3 --print-manifest | FileCheck %s --check-prefix=CHOSEN
// CHOSEN: "entry": "second"

//--- one.mlir
#id = affine_map<(d0) -> (d0)>
func.func @add_i8(%a: tensor<8xi8>, %b: tensor<8xi8>) -> tensor<8xi8> {
  %o = tensor.empty() : tensor<8xi8>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<8xi8>, tensor<8xi8>) outs(%o : tensor<8xi8>) {
  ^bb0(%x: i8, %y: i8, %out: i8):
    %s = arith.addi %x, %y : i8
    linalg.yield %s : i8
  } -> tensor<8xi8>
  return %r : tensor<8xi8>
}

//--- two.mlir
func.func @first(%a: tensor<8xi8>) -> tensor<8xi8> {
  return %a : tensor<8xi8>
}
func.func @second(%a: tensor<8xi8>) -> tensor<8xi8> {
  return %a : tensor<8xi8>
}
