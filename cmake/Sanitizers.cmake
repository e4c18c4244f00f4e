# Sanitizer and fuzzing builds (docs/Testing.md), each in its own build
# directory. QC_SANITIZE instruments qc's own code; the Debian LLVM/MLIR
# libraries it links stay uninstrumented (their memory errors show only as
# crashes). QC_FUZZ adds libFuzzer's coverage instrumentation and builds the
# fuzz/ targets as fuzzers instead of corpus replayers.
set(QC_SANITIZE "" CACHE STRING
  "Sanitizers for qc's code, as for clang's -fsanitize= (e.g. address,undefined)")
option(QC_FUZZ "Build the fuzz/ targets as libFuzzer fuzzers (implies QC_SANITIZE=address,undefined)" OFF)

if(QC_FUZZ AND NOT QC_SANITIZE)
  set(QC_SANITIZE "address,undefined" CACHE STRING
    "Sanitizers for qc's code, as for clang's -fsanitize= (e.g. address,undefined)" FORCE)
endif()

if(QC_SANITIZE)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "QC_SANITIZE needs clang (configure with CC=clang-22 CXX=clang++-22)")
  endif()
  # One shared sanitizer runtime (-shared-libsan) for every executable, for
  # libQCCAPI.so and for the Python process that loads it (LD_PRELOAD, see
  # test/lit.cfg.py): a static runtime per binary would clash with the
  # preloaded one. UBSan findings abort so that a test sees them.
  execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-runtime-dir
    OUTPUT_VARIABLE QC_SANITIZER_RUNTIME_DIR OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(QC_SANITIZE MATCHES "address")
    find_file(QC_ASAN_RUNTIME libclang_rt.asan-x86_64.so libclang_rt.asan.so
      PATHS ${QC_SANITIZER_RUNTIME_DIR} NO_DEFAULT_PATH REQUIRED)
  endif()
  add_compile_options(-fsanitize=${QC_SANITIZE} -fno-sanitize-recover=all
    -fno-omit-frame-pointer -gline-tables-only -shared-libsan)
  add_link_options(-fsanitize=${QC_SANITIZE} -shared-libsan
    "LINKER:-rpath,${QC_SANITIZER_RUNTIME_DIR}")
  message(STATUS "qc: sanitizers ${QC_SANITIZE} (runtime in ${QC_SANITIZER_RUNTIME_DIR})")
endif()

if(QC_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
  message(STATUS "qc: libFuzzer targets in fuzz/")
endif()
