/*===- qc-embed-c.c - qc through its C API -----------------------------------===*\
|*                                                                            *|
|* qc-embed-c model.mlir [cpu|vulkan]: the same job as qc-embed through       *|
|* include/qc-c: parse, fold the fake quantization, compile for the target,   *|
|* run on x[i] = (i % 7 - 3) / 4 and print y.                                 *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
#include "qc-c/Execution.h"
#include "qc-c/Pipeline.h"
#include "qc-c/Registration.h"

#include <stdio.h>
#include <stdlib.h>

static int fail(QcError error) {
  MlirStringRef message = qcErrorGetMessage(error);
  fprintf(stderr, "qc-embed-c: %.*s\n", (int)message.length, message.data);
  qcErrorDestroy(error);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: qc-embed-c model.mlir [cpu|vulkan]\n");
    return 2;
  }
  const char *target = argc > 2 ? argv[2] : "cpu";
  FILE *file = fopen(argv[1], "rb");
  if (!file) {
    perror(argv[1]);
    return 1;
  }
  static char source[1 << 20];
  size_t size = fread(source, 1, sizeof source, file);
  fclose(file);

  MlirContext context = qcContextCreate();
  QcError error;
  MlirModule module = qcModuleParse(context, (MlirStringRef){source, size},
                                    mlirStringRefCreateFromCString(argv[1]), &error);
  if (mlirModuleIsNull(module))
    return fail(error);
  if (mlirLogicalResultIsFailure(qcModuleRunPipeline(
          module, mlirStringRefCreateFromCString("qc-fold-fake-quant"), &error)))
    return fail(error);
  QcExecutable executable = qcExecutableCreate(
      module, mlirStringRefCreateFromCString(target), mlirStringRefCreateFromCString(""),
      mlirStringRefCreateFromCString(""), &error);
  if (qcExecutableIsNull(executable))
    return fail(error);

  /* One f32 input and one f32 result, sized from the signature. */
  intptr_t inCount = 1, outCount = 1;
  for (intptr_t d = 0; d < qcExecutableGetInputRank(executable, 0); ++d)
    inCount *= qcExecutableGetInputShape(executable, 0)[d];
  for (intptr_t d = 0; d < qcExecutableGetResultRank(executable, 0); ++d)
    outCount *= qcExecutableGetResultShape(executable, 0)[d];
  float *x = malloc(inCount * sizeof(float));
  float *y = malloc(outCount * sizeof(float));
  for (intptr_t i = 0; i < inCount; ++i)
    x[i] = (float)(i % 7 - 3) / 4;
  const void *inputs[] = {x};
  void *results[] = {y};
  if (mlirLogicalResultIsFailure(
          qcExecutableInvoke(executable, inputs, results, 1, NULL, &error)))
    return fail(error);
  printf("y =");
  for (intptr_t i = 0; i < outCount; ++i)
    printf(" %g", y[i]);
  printf("\n");
  free(x);
  free(y);
  qcExecutableDestroy(executable);
  mlirModuleDestroy(module);
  mlirContextDestroy(context);
  return 0;
}
