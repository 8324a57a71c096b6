/* test_image.c - unit tests of src/image without the daemon: reference normalization, module
 * names, and the store itself (pull by file:// URL, lookups, removal, reopen, start-up sweep). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../testlib.h"
#include "image/reference.h"
#include "image/store.h"
#include "image/unpack.h"
#include "store/db.h"
#include "util/file.h"

/* The seed modules: $SEED_MODULES (tests/image/run.sh sets it), else the team machine's path. */
static const char *seeds(void)
{
    const char *dir = getenv("SEED_MODULES");
    return dir && *dir ? dir : "/work/shared/testdata/seed-modules";
}
#define HELLO_ID "sha256:1eefc5c07f3d3806950b06d5a94468c14a491b9247d415c5a04143f1524cb944"

static void check_ref(const char *text, const char *tagged, const char *digest)
{
    img_ref ref;
    wc_error err;
    int rc = img_ref_parse(text, &ref, &err);
    CHECK(rc == 0);
    if (rc < 0) {
        fprintf(stderr, "  %s: %s\n", text, err.message);
        return;
    }
    char buffer[1200];
    img_ref_tagged(&ref, buffer, sizeof buffer);
    if (strcmp(buffer, tagged) != 0)
        fprintf(stderr, "  %s -> %s, want %s\n", text, buffer, tagged);
    CHECK(strcmp(buffer, tagged) == 0);
    CHECK(strcmp(ref.digest, digest) == 0);
}

static void test_reference_normalization(void)
{
    const char *d = "sha256:1eefc5c07f3d3806950b06d5a94468c14a491b9247d415c5a04143f1524cb944";
    check_ref("busybox", "docker.io/library/busybox:latest", "");
    check_ref("busybox:1.36", "docker.io/library/busybox:1.36", "");
    check_ref("library/busybox", "docker.io/library/busybox:latest", "");
    check_ref("docker.io/busybox", "docker.io/library/busybox:latest", "");
    check_ref("index.docker.io/library/busybox", "docker.io/library/busybox:latest", "");
    check_ref("user/app:v1", "docker.io/user/app:v1", "");
    check_ref("registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.9", "");
    check_ref("127.0.0.1:5000/busybox", "127.0.0.1:5000/busybox:latest", "");
    check_ref("localhost/x/y", "localhost/x/y:latest", "");
    check_ref("localhost:5000/a-b_c.d/e__f:tag-1.0", "localhost:5000/a-b_c.d/e__f:tag-1.0", "");
    char with_digest[200];
    snprintf(with_digest, sizeof with_digest, "busybox@%s", d);
    check_ref(with_digest, "", d);
    snprintf(with_digest, sizeof with_digest, "ghcr.io/o/r:v2@%s", d);
    check_ref(with_digest, "ghcr.io/o/r:v2", d);
}

static void test_reference_refusals(void)
{
    const char *bad[] = {"", "Busybox", "busybox:", "busybox@sha256:abc", "a//b", "-a", "a/",
                         "busybox:bad tag", "x/Y:1", "busybox@md5:00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        img_ref ref;
        wc_error err;
        int rc = img_ref_parse(bad[i], &ref, &err);
        if (rc == 0)
            fprintf(stderr, "  accepted %s\n", bad[i]);
        CHECK(rc < 0 && err.code == WC_EINVAL);
    }
}

static void test_module_names(void)
{
    char tag[200];
    wc_error err;
    CHECK(img_module_tag("hello", tag, sizeof tag, &err) == 0 && strcmp(tag, "hello:latest") == 0);
    CHECK(img_module_tag("hello:v2", tag, sizeof tag, &err) == 0 && strcmp(tag, "hello:v2") == 0);
    CHECK(img_module_tag("a/b:c", tag, sizeof tag, &err) == 0 && strcmp(tag, "a/b:c") == 0);
    CHECK(img_module_tag("host:5000/m", tag, sizeof tag, &err) == 0 &&
          strcmp(tag, "host:5000/m:latest") == 0);
    CHECK(img_module_tag("Hello", tag, sizeof tag, &err) < 0);
    CHECK(img_module_tag("x@sha256:00", tag, sizeof tag, &err) < 0);
    CHECK(img_digest_valid(HELLO_ID));
    CHECK(!img_digest_valid("sha256:1EEF"));
    CHECK(img_hex_prefix("1eef") && !img_hex_prefix("xyz") && !img_hex_prefix(""));
}

typedef struct fixture {
    char root[64];
    store_db *db;
    img_store *store;
} fixture;

static int fixture_open(fixture *f)
{
    wc_error err;
    char path[128];
    snprintf(path, sizeof path, "%s/meta.db", f->root);
    img_store_options options = {.root = f->root};
    if (store_db_open(path, &f->db, &err) < 0)
        return fprintf(stderr, "  %s\n", err.message), -1;
    options.db = f->db;
    if (img_store_open(&options, &f->store, &err) < 0)
        return fprintf(stderr, "  %s\n", err.message), -1;
    return 0;
}

static void fixture_close(fixture *f)
{
    img_store_free(f->store);
    store_db_close(f->db);
    f->store = NULL;
    f->db = NULL;
}

static int pull_file(fixture *f, const char *name, const char *file, char **id, wc_error *err)
{
    char url[256];
    snprintf(url, sizeof url, "file://%s/%s", seeds(), file);
    img_annotation annotations[] = {{"wasm.module.url", url}, {"wasm.module.filename", file}};
    return img_store_pull(f->store, name, annotations, 2, NULL, id, err);
}

static void test_store_lifecycle(void)
{
    fixture f = {.root = "/tmp/wasmcri-test-image.XXXXXX"};
    CHECK(mkdtemp(f.root) != NULL);
    CHECK(fixture_open(&f) == 0);
    if (f.store == NULL)
        return;
    wc_error err;
    char *id = NULL;
    CHECK(pull_file(&f, "hello", "hello.wasm", &id, &err) == 0);
    CHECK(id && strcmp(id, HELLO_ID) == 0);
    free(id);
    const char *names[] = {"hello", "hello:latest", HELLO_ID, &HELLO_ID[7], "1eefc5c0",
                           "hello@" HELLO_ID};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        img_record *r = NULL;
        CHECK(img_store_resolve(f.store, names[i], &r, &err) == 0);
        if (r) {
            CHECK(strcmp(r->id, HELLO_ID) == 0 && r->is_wasm);
            CHECK(r->module_filename && strcmp(r->module_filename, "hello.wasm") == 0);
            struct stat st;
            CHECK(r->module_path && stat(r->module_path, &st) == 0 && st.st_size == 2206899);
        }
        img_record_free(r);
    }
    img_record *r = NULL;
    CHECK(img_store_resolve(f.store, "nothere", &r, &err) < 0 && err.code == WC_ENOTFOUND);

    /* An invalid module: refused, nothing recorded. */
    char bad[128];
    snprintf(bad, sizeof bad, "%s/bad.wasm", f.root);
    CHECK(wc_write_file_atomic(bad, "\0asm\1\0\0\0\x01\x05", 10, 0644, &err) == 0);
    char url[200];
    snprintf(url, sizeof url, "file://%s", bad);
    img_annotation annotations[] = {{"wasm.module.url", url}};
    id = NULL;
    CHECK(img_store_pull(f.store, "bad", annotations, 1, NULL, &id, &err) < 0 &&
          err.code == WC_EINVAL);
    CHECK(id == NULL);
    img_record **list = NULL;
    size_t count = 0;
    CHECK(img_store_list(f.store, &list, &count, &err) == 0 && count == 1);
    img_record_list_free(list, count);

    /* Reopen: still there; an orphan blob and an ingest file are swept. */
    fixture_close(&f);
    char orphan[200];
    snprintf(orphan, sizeof orphan, "%s/blobs/sha256/%064d", f.root, 0);
    CHECK(wc_write_file_atomic(orphan, "x", 1, 0644, &err) == 0);
    CHECK(fixture_open(&f) == 0);
    CHECK(access(orphan, F_OK) < 0);
    CHECK(img_store_resolve(f.store, "hello", &r, &err) == 0);
    img_record_free(r);

    bool removed = false;
    CHECK(img_store_remove(f.store, "hello:latest", &removed, &err) == 0 && removed);
    CHECK(img_store_remove(f.store, "hello:latest", &removed, &err) == 0 && !removed);
    CHECK(img_store_resolve(f.store, HELLO_ID, &r, &err) < 0);
    fixture_close(&f);
    img_remove_tree(f.root);
}

int main(void)
{
    RUN_TEST(test_reference_normalization);
    RUN_TEST(test_reference_refusals);
    RUN_TEST(test_module_names);
    RUN_TEST(test_store_lifecycle);
    return TESTS_DONE();
}
