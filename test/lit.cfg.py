# lit configuration for qc's regression and integration tests.
import os
import sys

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "QC"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".py", ".test", ".c"]
config.excludes = ["CMakeLists.txt", "README.md", "lit.cfg.py", "lit.site.cfg.py",
                   "Inputs", "lit.local.cfg"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.qc_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%qc_src_root", config.qc_src_root))
config.substitutions.append(("%qc_obj_root", config.qc_obj_root))
config.substitutions.append(("%qc_lib_dir", config.qc_lib_dir))
config.substitutions.append(("%mlir_lib_dir", config.mlir_lib_dir))
# Debian's interpreter has numpy; the first python3 on PATH may not.
python = config.python_executable
# What Python processes need in front of them (the sanitizer runtime).
python_env = ""
# A sanitizer build (QC_SANITIZE, docs/Testing.md): every finding fails its
# test. The suppressions name third-party code only, each with its reason.
if config.qc_sanitize:
    config.available_features.add("sanitizer")
    suppressions = os.path.join(config.qc_src_root, "test", "sanitizers")
    # allow_user_poisoning=0: LLVM's BumpPtrAllocator, inlined into qc's
    # instrumented code, poisons slabs that the uninstrumented libMLIR.so
    # then allocates from without unpoisoning (a false use-after-poison).
    # LeakSanitizer is on. Vulkan runs on lavapipe (Mesa 22.3.6-1+deb12u2)
    # used to show a 128-byte leak from an `<unknown module>`: Mesa's CPU
    # detection table, referenced from a static of the driver that the
    # Vulkan loader unmaps at vkDestroyInstance. Sanitizer builds of the
    # runtime keep the drivers mapped (keepDriversLoaded in
    # lib/Runtime/Vulkan/VulkanDevice.cpp), which makes the table reachable
    # and any real driver leak attributable (docs/Testing.md).
    config.environment["ASAN_OPTIONS"] = ":".join([
        "strict_string_checks=1", "check_initialization_order=1",
        "allow_user_poisoning=0",
        "suppressions=" + os.path.join(suppressions, "asan.supp")])
    config.environment["LSAN_OPTIONS"] = "suppressions=" + os.path.join(suppressions, "lsan.supp")
    config.environment["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    if config.qc_asan_runtime:
        # Python is not instrumented: the shared ASan runtime must come first
        # for libQCCAPI.so to load into it. CPython does not free its objects
        # at exit, so leak checking is off in the Python interpreter (the C
        # API's own leaks are checked by qc-capi-test), and only there: the
        # programs a Python test starts (qc-opt, qc-run, qc-vulkan-run, ...)
        # inherit this environment and are leak-checked. The exception goes
        # by the name of the running binary: ASan reads
        # sanitizer-options/<its basename>.options if it exists
        # (include_if_exists with %b, the basename of argv[0]), and only the
        # interpreter's names have one, and `node`: ONNX Runtime's runner
        # (tools/ort/ort.py) runs no qc code, and onnxruntime-node's
        # libonnxruntime.so leaves about 1 MiB allocated at every exit
        # (docs/Testing.md).
        options_dir = os.path.join(config.test_exec_root, "sanitizer-options")
        os.makedirs(options_dir, exist_ok=True)
        no_leak_check_binaries = {"node"}
        for exe in {config.python_executable, sys.executable}:
            no_leak_check_binaries |= {os.path.basename(exe),
                                       os.path.basename(os.path.realpath(exe))}
        for name in no_leak_check_binaries:
            with open(os.path.join(options_dir, name + ".options"), "w") as f:
                f.write("detect_leaks=0\n")
        python_env = "env LD_PRELOAD=%s ASAN_OPTIONS=%s:include_if_exists=%s" % (
            config.qc_asan_runtime, config.environment["ASAN_OPTIONS"],
            os.path.join(options_dir, "%b.options"))
        python = "%s %s" % (python_env, python)
# A recovered parser crash abandons the parser's memory by design: the
# one test of it runs without leak detection in the sanitized suite.
no_leak_check = ""
if config.qc_sanitize:
    no_leak_check = "env ASAN_OPTIONS=%s:detect_leaks=0" % config.environment["ASAN_OPTIONS"]
config.substitutions.append(("%no_leak_check", no_leak_check))
# The interpreter itself, e.g. for the shebang the Python tools are given
# (before %python, which is a prefix of it).
config.substitutions.append(("%python_path", config.python_executable))
# What runs a Python tool script directly (empty outside sanitizer builds).
config.substitutions.append(("%python_env", python_env))
config.substitutions.append(("%python", python))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP",
                                     "VK_ICD_FILENAMES", "VK_DRIVER_FILES"])
llvm_config.use_default_substitutions()
# FileCheck, not, count, split-file come from LLVM 22 even when another LLVM is on PATH.
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.qc_tools_dir, append_path=True)

# python/qc loads libQCCAPI.so from this build.
config.environment["QC_BUILD_DIR"] = config.qc_obj_root
config.environment["PYTHONPATH"] = os.pathsep.join(
    [os.path.join(config.qc_src_root, "python"),
     config.environment.get("PYTHONPATH", "")])

tool_dirs = [config.qc_tools_dir, config.llvm_tools_dir]
tools = [ToolSubst("qc-opt", unresolved="fatal"),
         ToolSubst("qc-numerics-check", unresolved="fatal"),
         ToolSubst("qc-vulkan-bundle", unresolved="fatal"),
         ToolSubst("qc-vulkan-run", unresolved="fatal"),
         ToolSubst("qc-capi-test", unresolved="fatal"),
]
# Python tools generated with QC_PYTHON as their interpreter (run like
# %python: behind the sanitizer runtime in a sanitizer build).
for python_tool in ["qc-import-onnx", "qc-inspect"]:
    path = lit.util.which(python_tool, config.qc_tools_dir)
    tools.append(ToolSubst(python_tool, command=("%s %s" % (python_env, path)).strip() if path else None,
                           unresolved="fatal"))
tools += [ToolSubst(t, unresolved="fatal") for t in [
    "qc-parse-fuzzer", "qc-pass-fuzzer", "qc-pipeline-fuzzer", "qc-npy-fuzzer",
    "qc-bundle-fuzzer"]]
# Execution tests run the upstream CPU pipeline and JIT themselves.
tools += [ToolSubst(t, unresolved="fatal") for t in ["mlir-opt", "mlir-runner"]]
# LLVM's test utilities and binary tools live in llvm_tools_dir, which need
# not be on PATH.
for utility in ["not", "count", "split-file", "llvm-nm", "llvm-objdump"]:
    tools.append(ToolSubst(utility, unresolved="fatal"))
for optional in ["qc-run", "qc-translate"]:
    tools.append(ToolSubst(optional, unresolved="ignore"))
llvm_config.add_tool_substitutions(tools, tool_dirs)
# A C compiler links qc-translate's objects into C programs.
for clang in ["clang-22", "clang"]:
    if lit.util.which(clang, config.llvm_tools_dir) or lit.util.which(clang):
        config.available_features.add("c-compiler")
        config.substitutions.append(
            ("%cc", lit.util.which(clang, config.llvm_tools_dir) or lit.util.which(clang)))
        break
for clangxx in ["clang++-22", "clang++"]:
    if lit.util.which(clangxx, config.llvm_tools_dir) or lit.util.which(clangxx):
        config.substitutions.append(
            ("%cxx", lit.util.which(clangxx, config.llvm_tools_dir) or lit.util.which(clangxx)))
        break
# Tests that execute AVX512-VNNI code need a host that has it; those that
# execute AMX code (x86-amx=true) a host with amx_int8 and amx_tile (lit
# reports them UNSUPPORTED elsewhere; Linux must also grant the tile state,
# which qc-run requests and reports if refused). "no-amx": the host
# cannot run AMX code, so the tests of its rejection run.
try:
    with open("/proc/cpuinfo") as cpuinfo:
        cpu_flags = set(cpuinfo.read().split())
    if "avx512_vnni" in cpu_flags:
        config.available_features.add("avx512vnni")
    if {"amx_int8", "amx_tile"} <= cpu_flags:
        config.available_features.add("amx")
    else:
        config.available_features.add("no-amx")
except OSError:
    pass
for tool in ["spirv-val"]:
    if lit.util.which(tool):
        config.available_features.add(tool)
