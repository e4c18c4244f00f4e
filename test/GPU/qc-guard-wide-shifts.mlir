// RUN: qc-opt %s --split-input-file --qc-guard-wide-shifts | FileCheck %s

// An i64 logical shift by a run-time amount: its uses take the unshifted
// value where the amount is zero (arith-emulate-wide-int's form ORs the
// other half in for s = 0).
// CHECK-LABEL: func.func @shrui_runtime
// CHECK-SAME:    (%[[X:.*]]: i64, %[[S:.*]]: i64)
// CHECK:         %[[SH:.*]] = arith.shrui %[[X]], %[[S]] : i64
// CHECK:         %[[Z:.*]] = arith.cmpi eq, %[[S]], %{{.*}} : i64
// CHECK:         %[[R:.*]] = arith.select %[[Z]], %[[X]], %[[SH]] : i64
// CHECK:         return %[[R]]
func.func @shrui_runtime(%x: i64, %s: i64) -> i64 {
  %r = arith.shrui %x, %s : i64
  return %r : i64
}

// -----

// CHECK-LABEL: func.func @shli_vector
// CHECK:         %[[SH:.*]] = arith.shli %{{.*}}, %[[S:.*]] : vector<4xi64>
// CHECK:         %[[Z:.*]] = arith.cmpi eq, %[[S]], %{{.*}} : vector<4xi64>
// CHECK:         arith.select %[[Z]], %{{.*}}, %[[SH]] : vector<4xi1>, vector<4xi64>
func.func @shli_vector(%x: vector<4xi64>, %s: vector<4xi64>) -> vector<4xi64> {
  %r = arith.shli %x, %s : vector<4xi64>
  return %r : vector<4xi64>
}

// -----

// Left alone: a non-zero constant amount, an arithmetic shift (the
// emulation tests s = 0 itself), i32 shifts (not emulated).
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT:     arith.select
// CHECK-NOT:     arith.cmpi
// CHECK:         return
func.func @left_alone(%x: i64, %s: i64, %y: i32, %t: i32) -> (i64, i64, i32) {
  %c3 = arith.constant 3 : i64
  %a = arith.shrui %x, %c3 : i64
  %b = arith.shrsi %x, %s : i64
  %c = arith.shli %y, %t : i32
  return %a, %b, %c : i64, i64, i32
}

