# Initial cache of the sanitizer build, build-asan/ (scripts/test, scripts/fuzz):
#   cmake -C fuzz/build-asan.cmake -S . -B build-asan
# clang, so that the same build holds the sanitizer-labelled tests and the
# libFuzzer targets (libFuzzer ships with clang only): one extra build, not two.
set(CMAKE_CXX_COMPILER clang++ CACHE FILEPATH "")
# Line numbers in sanitizer and fuzzer stack traces, at ASan's recommended -O1: line
# tables only, not full debug info, and -O1 compile this build ~20 % faster than -O2 -g
# (the second build of scripts/test, inside CI's 30-minute budget).
set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "" FORCE)
set(CMAKE_CXX_FLAGS_RELWITHDEBINFO "-O1 -gline-tables-only -DNDEBUG" CACHE STRING "" FORCE)
set(IPT_SANITIZE ON CACHE BOOL "")
set(IPT_FUZZ ON CACHE BOOL "")
set(IPT_BUILD_TESTS ON CACHE BOOL "")
set(IPT_BUILD_BENCH OFF CACHE BOOL "")
# One file per translation unit here: the Release build (build/) is a unity build, so this
# one keeps every torch-free file compiling on its own includes (docs/performance.md).
set(IPT_UNITY_BUILD OFF CACHE BOOL "")
# lld, not gold: gold warns of every symbol clang's ASan runtime exports (thousands of
# lines burying the log); lld links as fast (0.33 s a test, session 31).
set(IPT_LINKER "lld" CACHE STRING "")
