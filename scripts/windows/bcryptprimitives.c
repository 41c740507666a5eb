/* Wine 8.0 lacks ProcessPrng in bcryptprimitives.dll, which Rust's std
 * imports since 1.78 (rust-lang/rust#121337). This stand-in, placed beside
 * the test executables under Wine only (never shipped), forwards to
 * RtlGenRandom (advapi32's SystemFunction036), as mozilla/glean's does. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
