#ifndef MURMUR_CLIBFUZZER_H
#define MURMUR_CLIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (LLVM 11 and later), called from a Swift `@main` because SwiftPM makes an
/// executable's entry point its own `main`, which would otherwise clash with libFuzzer's.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
