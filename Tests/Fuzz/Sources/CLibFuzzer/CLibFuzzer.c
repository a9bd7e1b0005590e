// The declaration in include/CLibFuzzer.h is all this target provides; libFuzzer itself is linked
// by `-sanitize=fuzzer`. SwiftPM needs one source file to build a C target.
#include "CLibFuzzer.h"
