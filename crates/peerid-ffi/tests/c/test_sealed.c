/*
 * The C ABI on a sealed store (keys at rest): what needs a private key
 * unlocks the store without asking (the OS keyring if the store chose it,
 * then $PEERID_PASSPHRASE_FILE) or fails with PEER_E_NO_KEY_ACCESS;
 * everything public works with no passphrase. tests/it/sealed.rs makes and
 * seals the store ($PEERID_STORE) and checks what this program did.
 *
 *   test_sealed locked   ID DOOMED DOC   no passphrase: public calls work,
 *                                        key calls fail; DOOMED is deleted
 *   test_sealed wrong    ID DOOMED DOC   a wrong passphrase: key calls fail
 *   test_sealed unlocked ID DOOMED DOC OUT  the right one: ID exported to
 *                                        OUT, DOC imported, two identities made
 *
 * DOC is an export document (password "pw") of an identity not in the
 * store. Prints "N passed, M failed" last; exits non-zero if M > 0.
 */
#define _POSIX_C_SOURCE 200809L

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

/* ASCII -> a new UTF-16 string (free it). */
static WCHAR *W(const char *s) {
    size_t n = strlen(s);
    WCHAR *w = malloc((n + 1) * sizeof(WCHAR));
    if (!w) abort();
    for (size_t i = 0; i <= n; i++) w[i] = (WCHAR)(unsigned char)s[i];
    return w;
}

static size_t wlen(PCWSTR w) {
    size_t n = 0;
    while (w[n]) n++;
    return n;
}

static int weq_ascii(PCWSTR w, const char *s) {
    if (!w) return 0;
    size_t n = strlen(s);
    if (wlen(w) != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (w[i] != (WCHAR)(unsigned char)s[i]) return 0;
    return 1;
}

/* The whole of a small text file, as UTF-16 (free it). */
static WCHAR *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return W(buf);
}

/* Whether the enumeration of identities lists `name`. */
static int enum_contains(PCWSTR name) {
    HPEERENUM h = NULL;
    int found = 0;
    if (FAILED(PeerEnumIdentities(&h))) return 0;
    ULONG count = 100;
    PVOID *items = NULL;
    if (SUCCEEDED(PeerGetNextItem(h, &count, &items))) {
        for (ULONG i = 0; i < count; i++) {
            PCWSTR n = ((PEER_NAME_PAIR *)items[i])->pwzPeerName;
            if (wlen(n) == wlen(name) && memcmp(n, name, wlen(n) * sizeof(WCHAR)) == 0)
                found = 1;
        }
        PeerFreeData(items);
    }
    PeerEndEnumeration(h);
    return found;
}

/* No passphrase: everything public works. */
static void public_calls(PCWSTR id, PCWSTR doomed) {
    PWSTR s = NULL;
    HPEERENUM h = NULL;
    ULONG count = 0;

    CHECK(enum_contains(id), "the sealed identity is listed");
    CHECK_HR(PeerEnumIdentities(&h), S_OK);
    CHECK_HR(PeerGetItemCount(h, &count), S_OK);
    CHECK(count == 3, "three identities: ID, DOOMED and the default");
    CHECK_HR(PeerEndEnumeration(h), S_OK);

    CHECK_HR(PeerIdentityGetXML(id, &s), S_OK);
    CHECK(s && wlen(s) > 100, "PEERIDENTITYINFO of a sealed identity");
    PeerFreeData(s);
    s = NULL;
    CHECK_HR(PeerIdentityGetXML(NULL, &s), S_OK);
    CHECK(s != NULL, "GetXML(NULL) of the existing default");
    PeerFreeData(s);
    s = NULL;
    CHECK_HR(PeerIdentityGetDefault(&s), S_OK);
    CHECK(s && wlen(s) == 41, "the existing default identity");
    PeerFreeData(s);
    s = NULL;

    CHECK_HR(PeerIdentityGetFriendlyName(id, &s), S_OK);
    CHECK(weq_ascii(s, "Sealed"), "friendly name read");
    PeerFreeData(s);
    s = NULL;
    WCHAR *renamed = W("Renamed");
    CHECK_HR(PeerIdentitySetFriendlyName(id, renamed), S_OK);
    free(renamed);
    CHECK_HR(PeerIdentityGetFriendlyName(id, &s), S_OK);
    CHECK(weq_ascii(s, "Renamed"), "friendly name set");
    PeerFreeData(s);
    s = NULL;
    CHECK_HR(PeerIdentityGetFriendlyName(NULL, &s), S_OK);
    PeerFreeData(s);
    s = NULL;

    CHECK_HR(PeerEnumGroups(id, &h), S_OK);
    CHECK_HR(PeerEndEnumeration(h), S_OK);
    WCHAR *game = W("game");
    CHECK_HR(PeerCreatePeerName(id, game, &s), S_OK);
    free(game);
    CHECK(s && memcmp(s, id, 40 * sizeof(WCHAR)) == 0, "a peer name on the sealed authority");
    PeerFreeData(s);

    CHECK_HR(PeerIdentityDelete(doomed), S_OK);
    CHECK(!enum_contains(doomed), "deleted without a passphrase");
}

/* No passphrase, or a wrong one: everything that needs a key fails with
 * PEER_E_NO_KEY_ACCESS and leaves its out-parameter alone. */
static void key_calls_fail(PCWSTR id, PCWSTR doc) {
    WCHAR *pw = W("pw"), *fresh = W("fresh");
    PWSTR s = NULL;
    HCRYPTPROV h = 77;
    CHECK_HR(PeerIdentityExport(id, pw, &s), PEER_E_NO_KEY_ACCESS);
    CHECK(s == NULL, "no document");
    CHECK_HR(PeerIdentityGetCryptKey(id, &h), PEER_E_NO_KEY_ACCESS);
    CHECK(h == 77, "no key handle");
    CHECK_HR(PeerIdentityGetCryptKey(NULL, &h), PEER_E_NO_KEY_ACCESS);
    CHECK(h == 77, "no key handle for the default identity");
    CHECK_HR(PeerIdentityCreate(fresh, NULL, 0, &s), PEER_E_NO_KEY_ACCESS);
    CHECK(s == NULL, "no identity made");
    CHECK_HR(PeerIdentityImport(doc, pw, &s), PEER_E_NO_KEY_ACCESS);
    CHECK(s == NULL, "nothing imported");
    free(pw);
    free(fresh);
}

/* The right passphrase in $PEERID_PASSPHRASE_FILE. */
static void key_calls_work(PCWSTR id, PCWSTR doc, const char *out) {
    WCHAR *pw = W("correct horse"), *docpw = W("pw"), *other = W("other"), *fresh = W("fresh");
    WCHAR *unknown = W("0123456789abcdef0123456789abcdef01234567.nobody");
    PWSTR xml = NULL, s = NULL;
    HCRYPTPROV h = 0;

    CHECK_HR(PeerIdentityExport(id, pw, &xml), S_OK);
    CHECK(xml && wlen(xml) > 100, "an export document");
    if (xml) {
        FILE *f = fopen(out, "wb");
        CHECK(f != NULL, "open OUT");
        if (f) {
            for (size_t i = 0; xml[i]; i++) fputc(xml[i] < 128 ? (int)xml[i] : '?', f);
            fclose(f);
        }
    }
    PeerFreeData(xml);

    CHECK_HR(PeerIdentityExport(unknown, pw, &s), PEER_E_NOT_FOUND);

    CHECK_HR(PeerIdentityGetCryptKey(id, &h), S_OK);
    CHECK_HR(PeerIdentityCreate(other, NULL, h, &s), S_OK);
    CHECK(s && memcmp(s, id, 40 * sizeof(WCHAR)) == 0, "same key, same authority");
    PeerFreeData(s);
    s = NULL;
    CHECK(CryptReleaseContext(h, 0) == TRUE, "release the key handle");

    CHECK_HR(PeerIdentityCreate(fresh, NULL, 0, &s), S_OK);
    PeerFreeData(s);
    s = NULL;
    CHECK_HR(PeerIdentityImport(doc, docpw, &s), S_OK);
    CHECK(s && enum_contains(s), "the imported identity is listed");
    PeerFreeData(s);

    free(pw);
    free(docpw);
    free(other);
    free(fresh);
    free(unknown);
}

int main(int argc, char **argv) {
    if (argc < 5 || (strcmp(argv[1], "unlocked") == 0 && argc < 6)) {
        fprintf(stderr, "usage: %s locked|wrong|unlocked ID DOOMED DOC [OUT]\n", argv[0]);
        return 2;
    }
    WCHAR *id = W(argv[2]), *doomed = W(argv[3]), *doc = read_file(argv[4]);
    if (strcmp(argv[1], "locked") == 0) {
        public_calls(id, doomed);
        key_calls_fail(id, doc);
    } else if (strcmp(argv[1], "wrong") == 0) {
        key_calls_fail(id, doc);
    } else if (strcmp(argv[1], "unlocked") == 0) {
        key_calls_work(id, doc, argv[5]);
    } else {
        fprintf(stderr, "unknown mode %s\n", argv[1]);
        return 2;
    }
    free(id);
    free(doomed);
    free(doc);
    printf("%d passed, %d failed\n", passed, failed);
    return failed > 0;
}
