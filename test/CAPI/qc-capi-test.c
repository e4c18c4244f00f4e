/*===- qc-capi-test.c - qc's C API, used from C -----------------------------===*\
|*                                                                            *|
|* Exercises include/qc-c through libQCCAPI.so only: parse, run a pass        *|
|* pipeline, print, compile for a target and invoke on buffers, plus every    *|
|* error path. Integer results are checked exactly against plain C loops.     *|
|* Run by test/CAPI/capi.test; the argument selects the target.               *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
#include "qc-c/Dialects.h"
#include "qc-c/Execution.h"
#include "qc-c/Pipeline.h"
#include "qc-c/Registration.h"

#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *target = "cpu";

static MlirStringRef str(const char *s) { return mlirStringRefCreateFromCString(s); }

static void printString(MlirStringRef s, void *userData) {
  fwrite(s.data, 1, s.length, (FILE *)userData);
}

static void printStringRef(const char *label, MlirStringRef s) {
  printf("%s: %.*s\n", label, (int)s.length, s.data);
}

/* Reports an expected failure's error fields, then releases it. */
static void printError(const char *what, QcError error) {
  if (qcErrorIsNull(error)) {
    printf("%s: UNEXPECTED: no error\n", what);
    exit(1);
  }
  printf("%s:\n", what);
  printStringRef("  message", qcErrorGetMessage(error));
  printStringRef("  diagnostics", qcErrorGetDiagnostics(error));
  printStringRef("  reproducer", qcErrorGetReproducerCommand(error));
  MlirStringRef path = qcErrorGetReproducerPath(error);
  if (path.length) {
    char file[4096];
    snprintf(file, sizeof file, "%.*s", (int)path.length, path.data);
    FILE *saved = fopen(file, "r");
    printf("  reproducer file %s\n", saved ? "exists" : "MISSING");
    if (saved)
      fclose(saved);
    /* The command must fail again on that file, on its own. */
    MlirStringRef command = qcErrorGetReproducerCommand(error);
    char line[8192];
    snprintf(line, sizeof line, "%.*s >/dev/null 2>&1", (int)command.length,
             command.data);
    printf("  reproducer exit status: %s\n",
           system(line) == 0 ? "0 (DID NOT REPRODUCE)" : "non-zero");
    remove(file);
  }
  qcErrorDestroy(error);
}

static void check(int ok, const char *what) {
  if (!ok) {
    printf("FAILED: %s\n", what);
    exit(1);
  }
}

/* y = x * w on i8 codes into i32, with an odd shape. */
static const char *matmulSource =
    "func.func @matmul(%x: tensor<3x17xi8>, %w: tensor<17x5xi8>) -> tensor<3x5xi32> {\n"
    "  %zero = arith.constant 0 : i32\n"
    "  %init = tensor.empty() : tensor<3x5xi32>\n"
    "  %acc = linalg.fill ins(%zero : i32) outs(%init : tensor<3x5xi32>) -> tensor<3x5xi32>\n"
    "  %y = linalg.matmul ins(%x, %w : tensor<3x17xi8>, tensor<17x5xi8>)\n"
    "                     outs(%acc : tensor<3x5xi32>) -> tensor<3x5xi32>\n"
    "  return %y : tensor<3x5xi32>\n"
    "}\n";

static void testMatmul(MlirContext context) {
  QcError error;
  MlirModule module = qcModuleParse(context, str(matmulSource), str("matmul.mlir"), &error);
  check(!mlirModuleIsNull(module) && qcErrorIsNull(error), "parse matmul");
  QcExecutable executable =
      qcExecutableCreate(module, str(target), str(""), str(""), &error);
  if (qcExecutableIsNull(executable)) {
    printError("compile matmul", error);
    exit(1);
  }
  printStringRef("entry", qcExecutableGetEntryName(executable));
  printStringRef("target", qcExecutableGetTarget(executable));
  for (intptr_t i = 0; i < qcExecutableGetNumInputs(executable); ++i) {
    printf("input %d: %s", (int)i,
           qcElementTypeGetName(qcExecutableGetInputElementType(executable, i)));
    const int64_t *shape = qcExecutableGetInputShape(executable, i);
    for (intptr_t d = 0; d < qcExecutableGetInputRank(executable, i); ++d)
      printf("%c%lld", d ? 'x' : '[', (long long)shape[d]);
    printf("]\n");
  }
  printf("result 0: %s rank %d\n",
         qcElementTypeGetName(qcExecutableGetResultElementType(executable, 0)),
         (int)qcExecutableGetResultRank(executable, 0));

  /* Edge values included: -128 * -128 sums must not wrap in i32. */
  int8_t x[3 * 17], w[17 * 5];
  unsigned seed = 12345;
  for (int i = 0; i < 3 * 17; ++i) {
    seed = seed * 1103515245u + 12345u;
    x[i] = (int8_t)(seed >> 16);
  }
  for (int i = 0; i < 17 * 5; ++i) {
    seed = seed * 1103515245u + 12345u;
    w[i] = (int8_t)(seed >> 16);
  }
  for (int k = 0; k < 17; ++k)
    x[k] = -128, w[k * 5] = -128;
  int32_t y[3 * 5];
  memset(y, 0x55, sizeof y);
  const void *inputs[] = {x, w};
  void *results[] = {y};
  double seconds = -1;
  MlirLogicalResult ran =
      qcExecutableInvoke(executable, inputs, results, 3, &seconds, &error);
  if (mlirLogicalResultIsFailure(ran)) {
    printError("invoke matmul", error);
    exit(1);
  }
  check(seconds >= 0, "timing reported");
  int mismatches = 0;
  for (int m = 0; m < 3; ++m)
    for (int n = 0; n < 5; ++n) {
      int32_t expected = 0;
      for (int k = 0; k < 17; ++k)
        expected += (int32_t)x[m * 17 + k] * (int32_t)w[k * 5 + n];
      mismatches += y[m * 5 + n] != expected;
    }
  printf("matmul mismatches: %d, y[0][0] = %d\n", mismatches, y[0]);

  /* Invocation errors leave the result buffer untouched. */
  memset(y, 0x55, sizeof y);
  ran = qcExecutableInvoke(executable, inputs, results, 0, NULL, &error);
  check(mlirLogicalResultIsFailure(ran), "repeat 0 fails");
  printError("repeat 0", error);
  const void *missing[] = {x, NULL};
  ran = qcExecutableInvoke(executable, missing, results, 1, NULL, &error);
  check(mlirLogicalResultIsFailure(ran), "NULL input fails");
  printError("NULL input", error);
  check(y[0] == 0x55555555, "failed invocations wrote nothing");

  qcExecutableDestroy(executable);
  /* The executable compiled a clone: the module is still linalg. */
  mlirOperationPrint(mlirModuleGetOperation(module), printString, stdout);
  mlirModuleDestroy(module);
}

/* Narrow codes at the boundary (docs/Numerics.md, "Storage of narrow
   types"): an i4 tensor is int8 data with one code in [-8, 7] per element, a
   u4 one uint8 in [0, 15]. Sums wrap at 4 bits; a u4 code reads back as
   itself (9, not the stored -7); a code outside its range is an error that
   names the element, and nothing is written. */
static const char *narrowSource =
    "func.func @narrow(%a: tensor<5xi4>, %u: tensor<5x!quant.uniform<u4:f32, 1.0>>)\n"
    "    -> (tensor<5xi4>, tensor<5x!quant.uniform<u4:f32, 1.0>>) {\n"
    "  %init = tensor.empty() : tensor<5xi4>\n"
    "  %s = linalg.add ins(%a, %a : tensor<5xi4>, tensor<5xi4>)\n"
    "                  outs(%init : tensor<5xi4>) -> tensor<5xi4>\n"
    "  return %s, %u : tensor<5xi4>, tensor<5x!quant.uniform<u4:f32, 1.0>>\n"
    "}\n";

static void testNarrowCodes(MlirContext context) {
  QcError error;
  MlirModule module = qcModuleParse(context, str(narrowSource), str("narrow.mlir"), &error);
  check(!mlirModuleIsNull(module), "parse narrow");
  QcExecutable executable =
      qcExecutableCreate(module, str(target), str(""), str(""), &error);
  if (qcExecutableIsNull(executable)) {
    printError("compile narrow", error);
    exit(1);
  }
  printf("narrow: inputs %s/%u %s/%u, results %s/%u %s/%u\n",
         qcElementTypeGetName(qcExecutableGetInputElementType(executable, 0)),
         qcExecutableGetInputCodeBits(executable, 0),
         qcElementTypeGetName(qcExecutableGetInputElementType(executable, 1)),
         qcExecutableGetInputCodeBits(executable, 1),
         qcElementTypeGetName(qcExecutableGetResultElementType(executable, 0)),
         qcExecutableGetResultCodeBits(executable, 0),
         qcElementTypeGetName(qcExecutableGetResultElementType(executable, 1)),
         qcExecutableGetResultCodeBits(executable, 1));
  int8_t a[5] = {-8, -1, 3, 7, 5};
  uint8_t u[5] = {0, 9, 15, 7, 8};
  int8_t sum[5];
  uint8_t same[5];
  const void *inputs[] = {a, u};
  void *results[] = {sum, same};
  check(mlirLogicalResultIsSuccess(
            qcExecutableInvoke(executable, inputs, results, 1, NULL, &error)),
        "invoke narrow");
  printf("i4 a + a:");
  for (int i = 0; i < 5; ++i)
    printf(" %d", sum[i]);
  printf("\nu4 u:");
  for (int i = 0; i < 5; ++i)
    printf(" %u", same[i]);
  printf("\n");

  memset(sum, 0x55, sizeof sum);
  a[3] = 8;
  check(mlirLogicalResultIsFailure(
            qcExecutableInvoke(executable, inputs, results, 1, NULL, &error)),
        "i4 code 8 fails");
  printError("i4 above", error);
  a[3] = -9;
  check(mlirLogicalResultIsFailure(
            qcExecutableInvoke(executable, inputs, results, 1, NULL, &error)),
        "i4 code -9 fails");
  printError("i4 below", error);
  a[3] = 7;
  u[4] = 16;
  check(mlirLogicalResultIsFailure(
            qcExecutableInvoke(executable, inputs, results, 1, NULL, &error)),
        "u4 code 16 fails");
  printError("u4 above", error);
  check(sum[0] == 0x55, "failed narrow invocations wrote nothing");

  /* Packed int4 (QC_EXCHANGE_PACKED_INT4): the same codes two per byte, low
     nibble first; 5 codes take 3 bytes, the last high nibble unused (0).
     The results equal the unpacked run's, code for code. */
  u[4] = 8;
  check(mlirLogicalResultIsSuccess(
            qcExecutableInvoke(executable, inputs, results, 1, NULL, &error)),
        "invoke narrow again");
  check(qcExecutableGetExchangeFlags(executable) == QC_EXCHANGE_DEFAULT,
        "unpacked by default");
  check(mlirLogicalResultIsFailure(
            qcExecutableSetExchangeFlags(executable, 4, &error)),
        "unknown exchange flag fails");
  printError("unknown flag", error);
  check(mlirLogicalResultIsSuccess(qcExecutableSetExchangeFlags(
            executable, QC_EXCHANGE_PACKED_INT4, &error)),
        "set packed int4");
  uint8_t pa[3] = {0}, pu[3] = {0}, psum[3], psame[3];
  for (int i = 0; i < 5; ++i) {
    pa[i / 2] |= (uint8_t)((a[i] & 15) << (4 * (i % 2)));
    pu[i / 2] |= (uint8_t)((u[i] & 15) << (4 * (i % 2)));
  }
  const void *packedInputs[] = {pa, pu};
  void *packedResults[] = {psum, psame};
  check(mlirLogicalResultIsSuccess(qcExecutableInvoke(
            executable, packedInputs, packedResults, 1, NULL, &error)),
        "invoke packed");
  printf("packed i4 a + a: %u %u %u\npacked u4 u: %u %u %u\n", psum[0],
         psum[1], psum[2], psame[0], psame[1], psame[2]);
  int differ = 0;
  for (int i = 0; i < 5; ++i) {
    int s = (psum[i / 2] >> (4 * (i % 2))) & 15;
    differ += (s >= 8 ? s - 16 : s) != sum[i];
    differ += ((psame[i / 2] >> (4 * (i % 2))) & 15) != same[i];
  }
  printf("packed == unpacked: %s\n", differ ? "NO" : "yes");
  memset(psum, 0x55, sizeof psum);
  pa[2] |= 0x30;
  check(mlirLogicalResultIsFailure(qcExecutableInvoke(
            executable, packedInputs, packedResults, 1, NULL, &error)),
        "a set unused high nibble fails");
  printError("packed high nibble", error);
  check(psum[0] == 0x55, "failed packed invocation wrote nothing");
  qcExecutableDestroy(executable);
  mlirModuleDestroy(module);
}

/* A QAT-style graph: fold the fake quantization, print, compile and run. */
static const char *fakeQuantSource =
    "func.func @relu_scale(%x: tensor<4xf32>) -> tensor<4xf32> {\n"
    "  %q = qc.fake_quant %x to !quant.uniform<i8:f32, 5.000000e-01:3> : tensor<4xf32>\n"
    "  return %q : tensor<4xf32>\n"
    "}\n";

static void testPipeline(MlirContext context) {
  QcError error;
  MlirModule module =
      qcModuleParse(context, str(fakeQuantSource), str("fq.mlir"), &error);
  if (mlirModuleIsNull(module)) {
    printError("parse fake_quant", error);
    exit(1);
  }
  MlirLogicalResult folded =
      qcModuleRunPipeline(module, str("qc-fold-fake-quant,canonicalize"), &error);
  if (mlirLogicalResultIsFailure(folded)) {
    printError("fold", error);
    exit(1);
  }
  mlirOperationPrint(mlirModuleGetOperation(module), printString, stdout);
  printf("\n");
  QcExecutable executable =
      qcExecutableCreate(module, str(target), str("relu_scale"), str(""), &error);
  if (qcExecutableIsNull(executable)) {
    printError("compile folded", error);
    exit(1);
  }
  /* scale 0.5, zero point 3, int8: q = clamp(round_half_even(x / 0.5) + 3,
     -128, 127), y = (q - 3) * 0.5. */
  float x[4] = {0.74f, -1.25f, 1000.0f, -1000.0f};
  float expected[4] = {0.5f, -1.0f, 62.0f, -65.5f};
  float y[4];
  const void *inputs[] = {x};
  void *results[] = {y};
  MlirLogicalResult ran =
      qcExecutableInvoke(executable, inputs, results, 1, NULL, &error);
  if (mlirLogicalResultIsFailure(ran)) {
    printError("invoke folded", error);
    exit(1);
  }
  for (int i = 0; i < 4; ++i)
    printf("fake_quant %g -> %g (expected %g)%s\n", x[i], y[i], expected[i],
           y[i] == expected[i] ? "" : " MISMATCH");
  qcExecutableDestroy(executable);
  mlirModuleDestroy(module);
}

/* qcModuleFoldFakeQuant: atan2 of two quantized values (no integer form:
   one-input functions become qc.table) stays float by default and is an
   error that names it with allowFloat = false. */
static const char *atan2Source =
    "func.func @atan2(%x: tensor<4xf32>, %z: tensor<4xf32>) -> tensor<4xf32> {\n"
    "  %q = qc.fake_quant %x to !quant.uniform<i8:f32, 0.1> : tensor<4xf32>\n"
    "  %p = qc.fake_quant %z to !quant.uniform<i8:f32, 0.1> : tensor<4xf32>\n"
    "  %t = math.atan2 %q, %p : tensor<4xf32>\n"
    "  %y = qc.fake_quant %t to !quant.uniform<i8:f32, 0.01> : tensor<4xf32>\n"
    "  return %y : tensor<4xf32>\n"
    "}\n";

static void testIntegerOnlyFold(MlirContext context) {
  QcError error;
  MlirModule module = qcModuleParse(context, str(atan2Source), str("atan2.mlir"), &error);
  check(!mlirModuleIsNull(module), "atan2.mlir parses");
  QcFoldOptions options = qcFoldOptionsGetDefault();
  check(!options.singleRound && options.allowFloat && !options.report,
        "fold defaults: double_round, float allowed, no report");
  options.allowFloat = false;
  check(mlirLogicalResultIsFailure(qcModuleFoldFakeQuant(module, options, &error)),
        "integer-only fold fails on a float op");
  printError("integer-only fold", error);
  options.allowFloat = true;
  check(mlirLogicalResultIsSuccess(qcModuleFoldFakeQuant(module, options, &error)),
        "fold with float allowed succeeds");
  check(qcErrorIsNull(error), "no error on success");
  mlirModuleDestroy(module);
}

/* Upstream's linalg.broadcast parser crashes after this error
   (docs/Robustness.md): an error here too, and the process and the context
   go on. Run alone (argument "parser-crash"): the recovered crash abandons
   the parser's allocations, which a leak checker reports, so the sanitized
   suite runs this part without leak detection and the rest with it. */
static void testParserCrash(MlirContext context) {
  QcError error;
  MlirModule crashing = qcModuleParse(
      context,
      str("func.func @f(%a: tensor<2xf32>, %b: tensor<2x3xf32>) -> tensor<2x3xf32> {\n"
          "  %r = linalg.broadcast ins(%a : tensor<2xf32>) outs(%b : tensor<2x3xf32>) dimensions = [!, 1]\n"
          "  return %r : tensor<2x3xf32>\n}\n"),
      str("crash.mlir"), &error);
  check(mlirModuleIsNull(crashing), "input that crashes the parser is refused");
  printError("parser crash", error);
  MlirModule after = qcModuleParse(
      context, str("func.func @f(%a: f32) -> f32 {\n  return %a : f32\n}\n"),
      str("after.mlir"), &error);
  check(!mlirModuleIsNull(after), "the context parses again after the crash");
  printf("parse after the crash: ok\n");
  mlirModuleDestroy(after);
}

static void testErrors(MlirContext context) {
  QcError error;
  MlirModule bad = qcModuleParse(
      context, str("func.func @f() {\n  %0 = arith.constant 1 : i32\n  %1 = arith.addi %0 : i32\n}\n"),
      str("bad.mlir"), &error);
  check(mlirModuleIsNull(bad), "malformed IR is refused");
  printError("malformed IR", error);

  MlirModule module = qcModuleParse(
      context,
      str("func.func @f(%a: f32) -> f32 {\n  %0 = arith.addf %a, %a : f32\n  return %0 : f32\n}\n"),
      str("float.mlir"), &error);
  check(!mlirModuleIsNull(module), "parse float module");
  check(mlirLogicalResultIsFailure(
            qcModuleRunPipeline(module, str("no-such-pass"), &error)),
        "unknown pass fails");
  printError("unknown pass", error);
  /* The integer contract refuses float arithmetic: a failing pass. */
  check(mlirLogicalResultIsFailure(qcModuleRunPipeline(
            module, str("qc-verify-integer-contract"), &error)),
        "contract violation fails");
  printError("failing pass", error);

  QcExecutable executable =
      qcExecutableCreate(module, str("tpu"), str(""), str(""), &error);
  check(qcExecutableIsNull(executable), "unknown target fails");
  printError("unknown target", error);
  executable = qcExecutableCreate(module, str(target), str("g"), str(""), &error);
  check(qcExecutableIsNull(executable), "missing function fails");
  printError("missing function", error);
  mlirModuleDestroy(module);

  module = qcModuleParse(
      context,
      str("func.func @dyn(%a: tensor<4x?xi8>) -> tensor<4x?xi8> {\n  return %a : tensor<4x?xi8>\n}\n"),
      str("dyn.mlir"), &error);
  executable = qcExecutableCreate(module, str(target), str(""), str(""), &error);
  /* Only the leading (batch) dimension may be dynamic. */
  check(qcExecutableIsNull(executable), "dynamic shapes fail");
  printError("dynamic shape", error);
  mlirModuleDestroy(module);

  /* A function the target's pipeline cannot compile: a float
     linalg.softmax (no qc lowering) on the CPU, a host-side call on Vulkan. */
  const char *uncompilable =
      strcmp(target, "cpu") == 0
          ? "func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {\n"
            "  %e = tensor.empty() : tensor<4xf32>\n"
            "  %0 = linalg.softmax dimension(0) ins(%a : tensor<4xf32>) "
            "outs(%e : tensor<4xf32>) -> tensor<4xf32>\n"
            "  return %0 : tensor<4xf32>\n}\n"
          : "func.func private @host(tensor<4xf32>) -> tensor<4xf32>\n"
            "func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {\n"
            "  %0 = func.call @host(%a) : (tensor<4xf32>) -> tensor<4xf32>\n"
            "  return %0 : tensor<4xf32>\n}\n";
  module = qcModuleParse(context, str(uncompilable), str("uncompilable.mlir"),
                         &error);
  check(!mlirModuleIsNull(module), "parse uncompilable module");
  executable = qcExecutableCreate(module, str(target), str("f"), str(""), &error);
  check(qcExecutableIsNull(executable), "target pipeline failure");
  printError("target pipeline failure", error);
  mlirModuleDestroy(module);

  module = qcModuleParse(context, str(matmulSource), str("matmul.mlir"), &error);
  executable = qcExecutableCreate(module, str(target), str(""),
                                  str("no-such-option=1"), &error);
  check(qcExecutableIsNull(executable), "bad pipeline options fail");
  printError("bad pipeline options", error);
  mlirModuleDestroy(module);
}

int main(int argc, char **argv) {
  if (argc > 1)
    target = argv[1];
  MlirContext context = qcContextCreate();
  MlirDialectHandle handle = mlirGetDialectHandle__qc__();
  MlirStringRef ns = mlirDialectHandleGetNamespace(handle);
  printf("dialect: %.*s\n", (int)ns.length, ns.data);
  /* Registering twice is harmless. */
  qcRegisterAllPasses();
  if (argc > 2 && strcmp(argv[2], "parser-crash") == 0) {
    testParserCrash(context);
  } else {
    testMatmul(context);
    testPipeline(context);
    testNarrowCodes(context);
    testIntegerOnlyFold(context);
    testErrors(context);
  }
  mlirContextDestroy(context);
  printf("done\n");
  return 0;
}
