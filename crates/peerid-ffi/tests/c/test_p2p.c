/*
 * The C ABI as a C program written for Windows uses it: every function,
 * every documented error, an export -> delete -> import round trip, and four
 * threads creating identities at once. Runs in its own temporary store.
 *
 * Build and run: cargo test -p peerid-ffi --test it c_abi (tests/it/c_abi.rs)
 * Prints "N passed, M failed" last; exits non-zero if M > 0.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* mkdtemp */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p2p.h"

static int passed, failed;

#define CHECK(cond, what)                                                      \
    do {                                                                       \
        if (cond) {                                                            \
            passed++;                                                          \
        } else {                                                               \
            failed++;                                                          \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, what);     \
        }                                                                      \
    } while (0)

#define CHECK_HR(expr, want)                                                   \
    do {                                                                       \
        HRESULT hr_ = (expr);                                                  \
        if (hr_ == (want)) {                                                   \
            passed++;                                                          \
        } else {                                                               \
            failed++;                                                          \
            fprintf(stderr, "FAIL %s:%d: %s = 0x%08X, want 0x%08X\n",          \
                    __FILE__, __LINE__, #expr, (unsigned)hr_,                  \
                    (unsigned)(want));                                         \
        }                                                                      \
    } while (0)

/* ASCII -> UTF-16 in one of a few rotating static buffers (main thread). */
static PCWSTR W(const char *s) {
    static WCHAR bufs[8][2048];
    static int next;
    WCHAR *b = bufs[next++ % 8];
    size_t i = 0;
    for (; s[i] && i < 2047; i++) b[i] = (WCHAR)(unsigned char)s[i];
    b[i] = 0;
    return b;
}

/* UTF-16 -> ASCII ('?' for anything else) into a caller buffer. */
static const char *A(PCWSTR w, char *out, size_t n) {
    size_t i = 0;
    if (!w) return "(null)";
    for (; w[i] && i + 1 < n; i++) out[i] = w[i] < 128 ? (char)w[i] : '?';
    out[i] = 0;
    return out;
}

static size_t wlen(PCWSTR w) {
    size_t n = 0;
    while (w[n]) n++;
    return n;
}

static int weq(PCWSTR a, PCWSTR b) {
    if (!a || !b) return 0;
    size_t n = wlen(a);
    return n == wlen(b) && memcmp(a, b, n * sizeof(WCHAR)) == 0;
}

/* Whether w starts with the ASCII text s. */
static int wstarts(PCWSTR w, const char *s) {
    if (!w) return 0;
    for (size_t i = 0; s[i]; i++)
        if (w[i] != (WCHAR)(unsigned char)s[i]) return 0;
    return 1;
}

/* Whether the name pairs of an enumeration include peer name `name`. */
static int enum_contains(PCWSTR name) {
    HPEERENUM h = NULL;
    int found = 0;
    if (FAILED(PeerEnumIdentities(&h))) return 0;
    for (;;) {
        ULONG count = 5;
        PVOID *items = NULL;
        if (FAILED(PeerGetNextItem(h, &count, &items)) || count == 0) break;
        for (ULONG i = 0; i < count; i++)
            if (weq(((PEER_NAME_PAIR *)items[i])->pwzPeerName, name)) found = 1;
        PeerFreeData(items);
    }
    PeerEndEnumeration(h);
    return found;
}

static const char *UNKNOWN = "0123456789abcdef0123456789abcdef01234567.nobody";

static void test_create_and_names(PWSTR *out_id) {
    PWSTR id = NULL, fn = NULL;
    char buf[256];

    CHECK_HR(PeerIdentityCreate(W("chat"), W("Alice"), 0, &id), S_OK);
    CHECK(id && wlen(id) == 45 && weq(id + 40, W(".chat")), "name is <40 hex>.chat");
    printf("created %s\n", A(id, buf, sizeof buf));

    CHECK_HR(PeerIdentityGetFriendlyName(id, &fn), S_OK);
    CHECK(weq(fn, W("Alice")), "friendly name as created");
    PeerFreeData(fn);

    CHECK_HR(PeerIdentitySetFriendlyName(id, W("Bob")), S_OK);
    CHECK_HR(PeerIdentityGetFriendlyName(id, &fn), S_OK);
    CHECK(weq(fn, W("Bob")), "friendly name set");
    PeerFreeData(fn);

    CHECK_HR(PeerIdentitySetFriendlyName(id, NULL), S_OK);
    CHECK_HR(PeerIdentityGetFriendlyName(id, &fn), S_OK);
    CHECK(weq(fn, id), "NULL friendly name resets to the peer name");
    PeerFreeData(fn);

    CHECK_HR(PeerIdentitySetFriendlyName(id, W("x")), S_OK);
    CHECK_HR(PeerIdentitySetFriendlyName(id, W("")), S_OK);
    CHECK_HR(PeerIdentityGetFriendlyName(id, &fn), S_OK);
    CHECK(weq(fn, id), "empty friendly name resets to the peer name");
    PeerFreeData(fn);

    /* No classifier: "<authority>." */
    PWSTR bare = NULL;
    CHECK_HR(PeerIdentityCreate(NULL, NULL, 0, &bare), S_OK);
    CHECK(bare && wlen(bare) == 41 && bare[40] == '.', "no classifier gives <authority>.");
    CHECK_HR(PeerIdentityDelete(bare), S_OK);
    PeerFreeData(bare);

    *out_id = id;
}

static void test_crypt_key(PCWSTR id) {
    HCRYPTPROV h = 0;
    PWSTR same = (PWSTR)(uintptr_t)1, other = NULL;

    CHECK_HR(PeerIdentityGetCryptKey(id, &h), S_OK);
    CHECK(h != 0, "key handle is non-zero");

    CHECK_HR(PeerIdentityCreate(W("chat"), NULL, h, &same), PEER_E_ALREADY_EXISTS);
    CHECK(same == NULL, "Create sets its out-parameter to NULL on failure");

    CHECK_HR(PeerIdentityCreate(W("other"), W("Other"), h, &other), S_OK);
    CHECK(other && memcmp(other, id, 40 * sizeof(WCHAR)) == 0, "same key, same authority");
    CHECK(other && weq(other + 40, W(".other")), "another classifier");
    CHECK(enum_contains(other), "the identity on the same key is listed");
    CHECK_HR(PeerIdentityDelete(other), S_OK);
    PeerFreeData(other);

    CHECK(CryptReleaseContext(h, 0) == TRUE, "release the key handle");
    CHECK(CryptReleaseContext(h, 0) == FALSE, "double release is FALSE");
    PWSTR x = NULL;
    CHECK_HR(PeerIdentityCreate(W("again"), NULL, h, &x), E_HANDLE);
    CHECK_HR(PeerIdentityCreate(W("again"), NULL, (HCRYPTPROV)0x1234, &x), E_HANDLE);
    CHECK(x == NULL, "no identity for a bogus handle");
    CHECK(CryptReleaseContext((HCRYPTPROV)0x1234, 0) == FALSE, "bogus handle is FALSE");

    CHECK_HR(PeerIdentityGetCryptKey(id, &h), S_OK);
    CHECK(CryptReleaseContext(h, 1) == FALSE, "flags != 0 is FALSE");
    CHECK(CryptReleaseContext(h, 0) == TRUE, "still releasable after bad flags");

    HCRYPTPROV untouched = 77;
    CHECK_HR(PeerIdentityGetCryptKey(W(UNKNOWN), &untouched), PEER_E_NOT_FOUND);
    CHECK(untouched == 77, "out-parameter untouched on failure");
}

static void test_default_and_xml(void) {
    PWSTR def = NULL, def2 = NULL, xml_null = NULL, xml_def = NULL;
    CHECK_HR(PeerIdentityGetDefault(&def), S_OK);
    CHECK(def && wlen(def) == 41, "default identity has no classifier");
    CHECK_HR(PeerIdentityGetDefault(&def2), S_OK);
    CHECK(weq(def, def2), "the default identity is stable");
    CHECK_HR(PeerIdentityGetXML(NULL, &xml_null), S_OK);
    CHECK_HR(PeerIdentityGetXML(def, &xml_def), S_OK);
    CHECK(weq(xml_null, xml_def), "GetXML(NULL) == GetXML(default)");
    CHECK(wstarts(xml_def, "<PEERIDENTITYINFO VERSION=\"1.0\">"), "PEERIDENTITYINFO document");
    PeerFreeData(def);
    PeerFreeData(def2);
    PeerFreeData(xml_null);
    PeerFreeData(xml_def);
}

static void test_enumeration(void) {
    HPEERENUM h = NULL;
    ULONG total = 0, seen = 0, count;
    PVOID *items;

    CHECK_HR(PeerEnumIdentities(&h), S_OK);
    CHECK_HR(PeerGetItemCount(h, &total), S_OK);
    CHECK(total >= 2, "at least the identity and the default one");
    for (;;) {
        count = 1;
        items = (PVOID *)(uintptr_t)1;
        CHECK_HR(PeerGetNextItem(h, &count, &items), S_OK);
        if (count == 0) {
            CHECK(items == NULL, "end of enumeration: zero count, NULL array");
            break;
        }
        PEER_NAME_PAIR *p = items[0];
        CHECK(p->dwSize == sizeof(PEER_NAME_PAIR), "dwSize");
        CHECK(p->pwzPeerName && wlen(p->pwzPeerName) >= 41, "peer name");
        CHECK(p->pwzFriendlyName != NULL, "friendly name");
        seen += count;
        PeerFreeData(items);
    }
    CHECK(seen == total, "every item once");
    count = 10;
    CHECK_HR(PeerGetNextItem(h, &count, &items), S_OK);
    CHECK(count == 0, "still at the end");
    count = 0;
    CHECK_HR(PeerGetNextItem(h, &count, &items), E_INVALIDARG);
    CHECK_HR(PeerEndEnumeration(h), S_OK);
    CHECK_HR(PeerEndEnumeration(h), E_INVALIDARG);
    CHECK_HR(PeerGetItemCount(h, &total), E_INVALIDARG);
    count = 1;
    CHECK_HR(PeerGetNextItem(h, &count, &items), E_INVALIDARG);

    /* Several items in one array, freed with one call. */
    CHECK_HR(PeerEnumIdentities(&h), S_OK);
    count = 100;
    CHECK_HR(PeerGetNextItem(h, &count, &items), S_OK);
    CHECK(count == total, "all items in one call");
    for (ULONG i = 0; i < count; i++)
        CHECK(((PEER_NAME_PAIR *)items[i])->dwSize == sizeof(PEER_NAME_PAIR), "dwSize");
    PeerFreeData(items);
    CHECK_HR(PeerEndEnumeration(h), S_OK);

    /* Bogus handles. */
    CHECK_HR(PeerGetItemCount((HPEERENUM)(uintptr_t)0x1234, &total), E_INVALIDARG);
    CHECK_HR(PeerGetItemCount(NULL, &total), E_INVALIDARG);
    CHECK_HR(PeerEndEnumeration((HPEERENUM)(uintptr_t)0xdeadbeef), E_INVALIDARG);
    CHECK_HR(PeerEndEnumeration(NULL), E_INVALIDARG);
}

static void test_groups(PCWSTR id) {
    HPEERENUM h = (HPEERENUM)(uintptr_t)1;
    ULONG count = 99;
    PVOID *items = NULL;
    CHECK_HR(PeerEnumGroups(id, &h), S_OK);
    CHECK_HR(PeerGetItemCount(h, &count), S_OK);
    CHECK(count == 0, "no groups");
    count = 10;
    CHECK_HR(PeerGetNextItem(h, &count, &items), S_OK);
    CHECK(count == 0 && items == NULL, "empty group enumeration");
    CHECK_HR(PeerEndEnumeration(h), S_OK);
    h = (HPEERENUM)(uintptr_t)1;
    CHECK_HR(PeerEnumGroups(W(UNKNOWN), &h), PEER_E_NOT_FOUND);
    CHECK(h == (HPEERENUM)(uintptr_t)1, "out-parameter untouched on failure");
}

static void test_peer_names(PCWSTR id) {
    PWSTR n = NULL;
    CHECK_HR(PeerCreatePeerName(id, W("game"), &n), S_OK);
    CHECK(n && memcmp(n, id, 40 * sizeof(WCHAR)) == 0 && weq(n + 40, W(".game")),
          "<authority>.game");
    PeerFreeData(n);
    CHECK_HR(PeerCreatePeerName(NULL, W("game"), &n), S_OK);
    CHECK(weq(n, W("0.game")), "unsecured name 0.game");
    PeerFreeData(n);
    CHECK_HR(PeerCreatePeerName(id, NULL, &n), S_OK);
    CHECK(weq(n, id), "NULL classifier gives the identity's name");
    PeerFreeData(n);
    CHECK_HR(PeerCreatePeerName(NULL, NULL, &n), E_INVALIDARG);
    CHECK_HR(PeerCreatePeerName(W(UNKNOWN), W("x"), &n), PEER_E_NOT_FOUND);
}

static void test_export_import(PCWSTR id) {
    PWSTR xml = NULL, imported = (PWSTR)(uintptr_t)1, fn = NULL;

    CHECK_HR(PeerIdentitySetFriendlyName(id, W("Exported")), S_OK);
    CHECK_HR(PeerIdentityExport(id, W("correct horse"), &xml), S_OK);
    CHECK(wstarts(xml, "<PEERIDENTITYEXPORT VERSION=\"1.0\">"), "PEERIDENTITYEXPORT document");

    CHECK_HR(PeerIdentityImport(xml, W("correct horse"), &imported), PEER_E_ALREADY_EXISTS);
    CHECK(imported == (PWSTR)(uintptr_t)1, "out-parameter untouched on failure");
    CHECK_HR(PeerIdentityImport(xml, W("wrong"), &imported), E_INVALIDARG);

    CHECK_HR(PeerIdentityDelete(id), S_OK);
    CHECK_HR(PeerIdentityDelete(id), PEER_E_NOT_FOUND);
    CHECK(!enum_contains(id), "deleted identity is not listed");

    CHECK_HR(PeerIdentityImport(xml, W("correct horse"), &imported), S_OK);
    CHECK(weq(imported, id), "import gives back the same peer name");
    CHECK(enum_contains(id), "imported identity is listed");
    CHECK_HR(PeerIdentityGetFriendlyName(id, &fn), S_OK);
    CHECK(weq(fn, W("Exported")), "import restores the friendly name");
    PeerFreeData(fn);
    PeerFreeData(imported);

    /* Tampered document: change one base64 character inside IDENTITYDATA. */
    size_t n = wlen(xml);
    WCHAR *bad = malloc((n + 1) * sizeof(WCHAR));
    memcpy(bad, xml, (n + 1) * sizeof(WCHAR));
    for (size_t i = n / 2; i < n; i++)
        if (bad[i] >= 'A' && bad[i] <= 'Y') { bad[i]++; break; }
    PWSTR none = NULL;
    CHECK_HR(PeerIdentityImport(bad, W("correct horse"), &none), E_INVALIDARG);
    CHECK_HR(PeerIdentityImport(W("<PEERIDENTITYEXPORT/>"), W("pw"), &none), E_INVALIDARG);
    free(bad);
    PeerFreeData(xml);
}

static void test_unknown_identity(void) {
    PCWSTR u = W(UNKNOWN);
    PWSTR s = NULL;
    HCRYPTPROV h = 0;
    CHECK_HR(PeerIdentityDelete(u), PEER_E_NOT_FOUND);
    CHECK_HR(PeerIdentityGetFriendlyName(u, &s), PEER_E_NOT_FOUND);
    CHECK_HR(PeerIdentitySetFriendlyName(u, W("x")), PEER_E_NOT_FOUND);
    CHECK_HR(PeerIdentityGetXML(u, &s), PEER_E_NOT_FOUND);
    CHECK_HR(PeerIdentityGetCryptKey(u, &h), PEER_E_NOT_FOUND);
    CHECK_HR(PeerIdentityExport(u, W("pw"), &s), PEER_E_NOT_FOUND);
    CHECK(s == NULL && h == 0, "out-parameters untouched");
}

static void test_null_arguments(PCWSTR id) {
    PWSTR s = NULL;
    HPEERENUM h = NULL;
    ULONG count = 1;
    PVOID *items = NULL;
    CHECK_HR(PeerIdentityCreate(NULL, NULL, 0, NULL), E_INVALIDARG);
    CHECK_HR(PeerIdentityDelete(NULL), E_INVALIDARG);
    CHECK_HR(PeerIdentityExport(NULL, W("pw"), &s), E_INVALIDARG);
    CHECK_HR(PeerIdentityExport(id, NULL, &s), E_INVALIDARG);
    CHECK_HR(PeerIdentityExport(id, W("pw"), NULL), E_INVALIDARG);
    CHECK_HR(PeerIdentityImport(NULL, W("pw"), &s), E_INVALIDARG);
    CHECK_HR(PeerIdentityImport(W("<x/>"), NULL, &s), E_INVALIDARG);
    CHECK_HR(PeerIdentityImport(W("<x/>"), W("pw"), NULL), E_INVALIDARG);
    CHECK_HR(PeerIdentityGetXML(id, NULL), E_INVALIDARG);
    CHECK_HR(PeerIdentityGetFriendlyName(id, NULL), E_INVALIDARG);
    CHECK_HR(PeerIdentityGetCryptKey(id, NULL), E_INVALIDARG);
    CHECK_HR(PeerIdentityGetDefault(NULL), E_INVALIDARG);
    CHECK_HR(PeerEnumIdentities(NULL), E_INVALIDARG);
    CHECK_HR(PeerEnumGroups(NULL, &h), E_INVALIDARG);
    CHECK_HR(PeerEnumGroups(id, NULL), E_INVALIDARG);
    CHECK_HR(PeerCreatePeerName(id, W("x"), NULL), E_INVALIDARG);
    CHECK_HR(PeerEnumIdentities(&h), S_OK);
    CHECK_HR(PeerGetItemCount(h, NULL), E_INVALIDARG);
    CHECK_HR(PeerGetNextItem(h, NULL, &items), E_INVALIDARG);
    CHECK_HR(PeerGetNextItem(h, &count, NULL), E_INVALIDARG);
    CHECK_HR(PeerEndEnumeration(h), S_OK);
    PeerFreeData(NULL);
    CHECK(s == NULL, "out-parameter untouched");
}

static void test_bad_strings(PCWSTR id) {
    static const WCHAR lone_high[] = {'a', 0xD800, 'b', 0};
    static const WCHAR lone_low[] = {0xDC00, 0};
    static WCHAR name_bad[64];
    static WCHAR too_long[4096];
    PWSTR s = NULL;

    /* The identity's name with a lone surrogate as classifier. */
    memcpy(name_bad, id, 40 * sizeof(WCHAR));
    name_bad[40] = '.';
    name_bad[41] = 0xDBFF;
    name_bad[42] = 0;

    CHECK_HR(PeerIdentityCreate(lone_high, NULL, 0, &s), E_INVALIDARG);
    CHECK_HR(PeerIdentityCreate(NULL, lone_low, 0, &s), E_INVALIDARG);
    CHECK_HR(PeerIdentityDelete(name_bad), E_INVALIDARG);
    CHECK_HR(PeerIdentityGetFriendlyName(lone_low, &s), E_INVALIDARG);
    CHECK_HR(PeerIdentitySetFriendlyName(id, lone_high), E_INVALIDARG);
    CHECK_HR(PeerIdentityExport(id, lone_high, &s), E_INVALIDARG);
    CHECK_HR(PeerIdentityImport(lone_low, W("pw"), &s), E_INVALIDARG);
    CHECK_HR(PeerCreatePeerName(NULL, lone_high, &s), E_INVALIDARG);
    CHECK_HR(PeerEnumGroups(lone_low, &(HPEERENUM){0}), E_INVALIDARG);

    /* Not a peer name; too long classifier / friendly name; a string past
     * the scan bound. */
    CHECK_HR(PeerIdentityDelete(W("not-hex.x")), E_INVALIDARG);
    CHECK_HR(PeerIdentityDelete(W("0.unsecured")), E_INVALIDARG);
    char big[300];
    memset(big, 'c', 150);
    big[150] = 0;
    CHECK_HR(PeerIdentityCreate(W(big), NULL, 0, &s), E_INVALIDARG);
    memset(big, 'f', 256);
    big[256] = 0;
    CHECK_HR(PeerIdentityCreate(NULL, W(big), 0, &s), E_INVALIDARG);
    for (size_t i = 0; i < 4095; i++) too_long[i] = 'a';
    too_long[4095] = 0;
    CHECK_HR(PeerIdentityDelete(too_long), E_INVALIDARG);
    CHECK_HR(PeerCreatePeerName(NULL, too_long, &s), E_INVALIDARG);
    CHECK(s == NULL, "no output on failure");
}

/* Four threads create identities at once; all must land. */
struct worker {
    int n;
    HRESULT hr;
    PWSTR name;
};

static void *create_one(void *arg) {
    struct worker *w = arg;
    WCHAR classifier[16] = {'t', 'h', 'r', 'e', 'a', 'd', '-', (WCHAR)('0' + w->n), 0};
    w->hr = PeerIdentityCreate(classifier, NULL, 0, &w->name);
    return NULL;
}

static void test_threads(void) {
    pthread_t t[4];
    struct worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){.n = i, .hr = E_FAIL, .name = NULL};
        CHECK(pthread_create(&t[i], NULL, create_one, &w[i]) == 0, "pthread_create");
    }
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < 4; i++) {
        CHECK_HR(w[i].hr, S_OK);
        CHECK(w[i].name && enum_contains(w[i].name), "thread's identity is listed");
        for (int j = 0; j < i; j++) CHECK(!weq(w[i].name, w[j].name), "distinct names");
    }
    for (int i = 0; i < 4; i++) {
        if (w[i].name) CHECK_HR(PeerIdentityDelete(w[i].name), S_OK);
        PeerFreeData(w[i].name);
    }
}

int main(void) {
#ifdef _WIN32
    /* No mkdtemp on Windows: the caller (scripts/windows.sh) gives an empty
     * scratch directory as the store, and removes it. */
    const char *dir = getenv("PEERID_STORE");
    if (!dir || !*dir) {
        fprintf(stderr, "set PEERID_STORE to an empty scratch directory\n");
        return 2;
    }
#else
    char dir[] = "/tmp/peerid-ctest-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    setenv("PEERID_STORE", dir, 1);
#endif
    printf("store: %s\n", dir);

    PWSTR id = NULL;
    test_create_and_names(&id);
    if (!id) {
        fprintf(stderr, "cannot continue without an identity\n");
        printf("%d passed, %d failed\n", passed, failed + 1);
        return 1;
    }
    test_crypt_key(id);
    test_default_and_xml();
    test_enumeration();
    test_groups(id);
    test_peer_names(id);
    test_unknown_identity();
    test_null_arguments(id);
    test_bad_strings(id);
    test_threads();
    test_export_import(id);
    PeerFreeData(id);

#ifndef _WIN32
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
#endif

    printf("%d passed, %d failed\n", passed, failed);
    return failed > 0;
}
