// The system's zlib (Debian: zlib1g-dev, which the Swift toolchain needs anyway): gzip for
// C2SP tlog-tiles entry bundles (Sources/PacSpaceServer/HTTP/Gzip.swift).
#include <zlib.h>
