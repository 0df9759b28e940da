# Initial cache of the sanitizer build, build-asan/ (scripts/test, scripts/fuzz):
#   cmake -C fuzz/build-asan.cmake -S . -B build-asan
# clang, so that the same build holds the sanitizer-labelled tests and the
# libFuzzer targets (libFuzzer ships with clang only): one extra build, not two.
set(CMAKE_CXX_COMPILER clang++ CACHE FILEPATH "")
# Release speed with line numbers in sanitizer and fuzzer stack traces.
set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "" FORCE)
set(IPT_SANITIZE ON CACHE BOOL "")
set(IPT_FUZZ ON CACHE BOOL "")
set(IPT_BUILD_TESTS ON CACHE BOOL "")
set(IPT_BUILD_BENCH OFF CACHE BOOL "")
