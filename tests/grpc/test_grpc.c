/* test_grpc.c - the gRPC layer in one process: a grpc_server on a libuv loop in a thread,
 * the blocking grpc_client in the main thread. Streaming, cancellation, deadlines, framing
 * errors, status encoding, large messages and shutdown. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grpc/client.h"
#include "grpc/server.h"
#include "../testlib.h"

#define STREAM_MESSAGES 100
#define BIG_BYTES (15u * 1024 * 1024)

static uv_loop_t loop;
static grpc_server *server;
static uv_async_t stop_async;
static char socket_path[256];
static atomic_int cancels_seen;
static atomic_bool shutdown_done;

static void finish_on_cancel(grpc_call *call, void *data)
{
    (void)data;
    atomic_fetch_add(&cancels_seen, 1);
    grpc_call_finish(call, GRPC_STATUS_CANCELLED, "cancelled");
}

static void dispatch(grpc_call *call, const char *path, const uint8_t *message, size_t length,
                     void *data)
{
    (void)data;
    if (strcmp(path, "/t.S/Echo") == 0) {
        grpc_call_send(call, message, length);
        grpc_call_finish(call, GRPC_STATUS_OK, NULL);
    } else if (strcmp(path, "/t.S/Stream") == 0) {
        for (int i = 0; i < STREAM_MESSAGES; i++) {
            uint8_t buffer[STREAM_MESSAGES];
            memset(buffer, i, sizeof buffer);
            grpc_call_send(call, buffer, (size_t)i + 1);
        }
        grpc_call_finish(call, GRPC_STATUS_OK, NULL);
    } else if (strcmp(path, "/t.S/Forever") == 0) {
        uint8_t one = 1;
        grpc_call_send(call, &one, 1);
        grpc_call_on_cancel(call, finish_on_cancel, NULL);
    } else if (strcmp(path, "/t.S/Never") == 0) {
        grpc_call_on_cancel(call, finish_on_cancel, NULL);
    } else if (strcmp(path, "/t.S/Fail") == 0) {
        grpc_call_finish(call, GRPC_STATUS_NOT_FOUND, "image \"é\" 100% gone\nreally");
    } else if (strcmp(path, "/t.S/Big") == 0) {
        uint8_t *big = malloc(BIG_BYTES);
        for (size_t i = 0; i < BIG_BYTES; i++)
            big[i] = (uint8_t)(i * 7);
        grpc_call_send(call, big, BIG_BYTES);
        free(big);
        grpc_call_finish(call, GRPC_STATUS_OK, NULL);
    } else {
        grpc_call_finish(call, GRPC_STATUS_UNIMPLEMENTED, "no such method");
    }
}

static void on_shutdown(void *data)
{
    (void)data;
    atomic_store(&shutdown_done, true);
    uv_close((uv_handle_t *)&stop_async, NULL);
}

static void on_stop(uv_async_t *async)
{
    (void)async;
    grpc_server_shutdown(server, on_shutdown, NULL);
}

static void *loop_thread(void *arg)
{
    (void)arg;
    uv_run(&loop, UV_RUN_DEFAULT);
    return NULL;
}

static grpc_client *connect_client(int timeout_ms)
{
    grpc_client *client = NULL;
    wc_error err;
    if (grpc_client_connect(socket_path, timeout_ms, &client, &err) < 0)
        fprintf(stderr, "connect: %s\n", err.message);
    return client;
}

static void test_unary_echo(void)
{
    grpc_client *client = connect_client(5000);
    CHECK(client != NULL);
    if (client == NULL)
        return;
    for (int round = 0; round < 20; round++) {
        uint8_t *response = NULL;
        size_t length = 0;
        grpc_status status;
        wc_error err;
        const char *hello = "hello";
        CHECK(grpc_client_unary(client, "/t.S/Echo", (const uint8_t *)hello, 5, &response,
                                &length, &status, &err) == 0);
        CHECK(status.code == GRPC_STATUS_OK);
        CHECK(length == 5 && response != NULL && memcmp(response, hello, 5) == 0);
        free(response);
    }
    /* An empty message is a message too. */
    uint8_t *response = NULL;
    size_t length = 99;
    grpc_status status;
    wc_error err;
    CHECK(grpc_client_unary(client, "/t.S/Echo", NULL, 0, &response, &length, &status, &err) == 0);
    CHECK(status.code == GRPC_STATUS_OK && length == 0);
    free(response);
    grpc_client_free(client);
}

static void test_status_message_encoding(void)
{
    grpc_client *client = connect_client(5000);
    uint8_t *response = NULL;
    size_t length = 0;
    grpc_status status;
    wc_error err;
    CHECK(grpc_client_unary(client, "/t.S/Fail", NULL, 0, &response, &length, &status, &err) == 0);
    CHECK(status.code == GRPC_STATUS_NOT_FOUND);
    CHECK(strcmp(status.message, "image \"é\" 100% gone\nreally") == 0);
    CHECK(response == NULL);
    grpc_client_free(client);
}

static int count_messages(const uint8_t *message, size_t length, void *data)
{
    int *count = data;
    bool ok = length == (size_t)*count + 1;
    for (size_t i = 0; ok && i < length; i++)
        ok = message[i] == (uint8_t)*count;
    (*count)++;
    return ok ? 0 : 1;
}

static void test_server_streaming(void)
{
    grpc_client *client = connect_client(5000);
    int count = 0;
    grpc_status status;
    wc_error err;
    CHECK(grpc_client_stream(client, "/t.S/Stream", NULL, 0, count_messages, &count, &status,
                             &err) == 0);
    CHECK(status.code == GRPC_STATUS_OK);
    CHECK(count == STREAM_MESSAGES);
    grpc_client_free(client);
}

static int stop_after_first(const uint8_t *message, size_t length, void *data)
{
    (void)message;
    (void)length;
    (*(int *)data)++;
    return 1;
}

static void wait_for_cancels(int want)
{
    for (int i = 0; i < 200 && atomic_load(&cancels_seen) < want; i++)
        usleep(10000);
}

static void test_client_cancels_stream(void)
{
    grpc_client *client = connect_client(5000);
    int before = atomic_load(&cancels_seen);
    int count = 0;
    grpc_status status;
    wc_error err;
    CHECK(grpc_client_stream(client, "/t.S/Forever", NULL, 0, stop_after_first, &count, &status,
                             &err) == 0);
    CHECK(count == 1);
    CHECK(status.code == GRPC_STATUS_CANCELLED);
    wait_for_cancels(before + 1);
    CHECK(atomic_load(&cancels_seen) == before + 1);
    /* The connection is still good. */
    uint8_t *response = NULL;
    size_t length = 0;
    CHECK(grpc_client_unary(client, "/t.S/Echo", (const uint8_t *)"x", 1, &response, &length,
                            &status, &err) == 0);
    CHECK(status.code == GRPC_STATUS_OK && length == 1);
    free(response);
    grpc_client_free(client);
}

static void test_deadline(void)
{
    grpc_client *client = connect_client(200);
    int before = atomic_load(&cancels_seen);
    uint8_t *response = NULL;
    size_t length = 0;
    grpc_status status;
    wc_error err;
    CHECK(grpc_client_unary(client, "/t.S/Never", NULL, 0, &response, &length, &status, &err) < 0);
    CHECK(err.code == WC_EDEADLINE);
    wait_for_cancels(before + 1);
    CHECK(atomic_load(&cancels_seen) == before + 1);
    CHECK(grpc_client_unary(client, "/t.S/Echo", (const uint8_t *)"y", 1, &response, &length,
                            &status, &err) == 0);
    CHECK(status.code == GRPC_STATUS_OK);
    free(response);
    grpc_client_free(client);
}

static void test_connection_drop_cancels(void)
{
    grpc_client *client = connect_client(300);
    int before = atomic_load(&cancels_seen);
    uint8_t *response = NULL;
    size_t length = 0;
    grpc_status status;
    wc_error err;
    /* Times out; then the whole connection goes away with the call open on the server. */
    CHECK(grpc_client_unary(client, "/t.S/Never", NULL, 0, &response, &length, &status, &err) < 0);
    grpc_client_free(client);
    wait_for_cancels(before + 1);
    CHECK(atomic_load(&cancels_seen) >= before + 1);
}

static void test_framing_errors(void)
{
    grpc_client *client = connect_client(5000);
    uint8_t *response = NULL;
    size_t length = 0;
    grpc_status status;
    wc_error err;
    const uint8_t compressed[] = {1, 0, 0, 0, 1, 'z'};
    CHECK(grpc_client_unary_raw(client, "/t.S/Echo", compressed, sizeof compressed, &response,
                                &length, &status, &err) == 0);
    CHECK(status.code == GRPC_STATUS_INTERNAL);
    const uint8_t two[] = {0, 0, 0, 0, 1, 'a', 0, 0, 0, 0, 1, 'b'};
    CHECK(grpc_client_unary_raw(client, "/t.S/Echo", two, sizeof two, &response, &length, &status,
                                &err) == 0);
    CHECK(status.code == GRPC_STATUS_UNIMPLEMENTED);
    CHECK(grpc_client_unary_raw(client, "/t.S/Echo", NULL, 0, &response, &length, &status,
                                &err) == 0);
    CHECK(status.code == GRPC_STATUS_INTERNAL);
    const uint8_t truncated[] = {0, 0, 0, 0, 9, 'a'};
    CHECK(grpc_client_unary_raw(client, "/t.S/Echo", truncated, sizeof truncated, &response,
                                &length, &status, &err) == 0);
    CHECK(status.code == GRPC_STATUS_INTERNAL);
    const uint8_t oversize[] = {0, 0x01, 0x00, 0x00, 0x01, 'a'}; /* claims 16 MiB + 1 */
    CHECK(grpc_client_unary_raw(client, "/t.S/Echo", oversize, sizeof oversize, &response,
                                &length, &status, &err) == 0);
    CHECK(status.code == GRPC_STATUS_RESOURCE_EXHAUSTED);
    CHECK(grpc_client_unary(client, "/t.S/Nope", NULL, 0, &response, &length, &status, &err) == 0);
    CHECK(status.code == GRPC_STATUS_UNIMPLEMENTED);
    CHECK(grpc_client_unary(client, "/t.S/Echo", (const uint8_t *)"ok", 2, &response, &length,
                            &status, &err) == 0);
    CHECK(status.code == GRPC_STATUS_OK && length == 2);
    free(response);
    grpc_client_free(client);
}

static void test_big_messages(void)
{
    grpc_client *client = connect_client(30000);
    uint8_t *response = NULL;
    size_t length = 0;
    grpc_status status;
    wc_error err;
    CHECK(grpc_client_unary(client, "/t.S/Big", NULL, 0, &response, &length, &status, &err) == 0);
    CHECK(status.code == GRPC_STATUS_OK && length == BIG_BYTES);
    bool same = response != NULL;
    for (size_t i = 0; same && i < length; i++)
        same = response[i] == (uint8_t)(i * 7);
    CHECK(same);
    free(response);
    uint8_t *upload = calloc(1, BIG_BYTES);
    CHECK(grpc_client_unary(client, "/t.S/Echo", upload, BIG_BYTES, &response, &length, &status,
                            &err) == 0);
    CHECK(status.code == GRPC_STATUS_OK && length == BIG_BYTES);
    free(response);
    free(upload);
    grpc_client_free(client);
}

static void test_missing_socket(void)
{
    grpc_client *client = NULL;
    wc_error err;
    CHECK(grpc_client_connect("/nonexistent/x.sock", 1000, &client, &err) < 0);
    CHECK(err.code == WC_EUNAVAILABLE);
    CHECK(strstr(err.message, "connect endpoint 'unix:///nonexistent/x.sock': no such file") != NULL);
}

/* Threads with their own connections mix every kind of call, cancels and drops, so call and
 * connection lifetimes interleave on the server (ASan watches). */
#define STRESS_THREADS 8
#define STRESS_ROUNDS 60

static atomic_int stress_errors;

static void *stress_thread(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    grpc_client *client = connect_client(50);
    for (int round = 0; client != NULL && round < STRESS_ROUNDS; round++) {
        uint8_t *response = NULL;
        size_t length = 0;
        grpc_status status;
        wc_error err;
        int count = 0;
        switch (rand_r(&seed) % 5) {
        case 0:
            if (grpc_client_unary(client, "/t.S/Echo", (const uint8_t *)"abc", 3, &response,
                                  &length, &status, &err) < 0 || status.code != 0 || length != 3)
                atomic_fetch_add(&stress_errors, 1);
            free(response);
            break;
        case 1:
            if (grpc_client_stream(client, "/t.S/Stream", NULL, 0, count_messages, &count, &status,
                                   &err) < 0 || count != STREAM_MESSAGES)
                atomic_fetch_add(&stress_errors, 1);
            break;
        case 2:
            grpc_client_stream(client, "/t.S/Forever", NULL, 0, stop_after_first, &count, &status,
                               &err);
            break;
        case 3:
            /* Deadline: the stream is reset, the connection stays. */
            grpc_client_unary(client, "/t.S/Never", NULL, 0, &response, &length, &status, &err);
            free(response);
            break;
        default:
            /* Drop the whole connection with a call open on the server. */
            grpc_client_set_timeout(client, 10);
            grpc_client_unary(client, "/t.S/Never", NULL, 0, &response, &length, &status, &err);
            free(response);
            grpc_client_free(client);
            client = connect_client(50);
            break;
        }
    }
    grpc_client_free(client);
    return NULL;
}

static void test_stress_lifetimes(void)
{
    pthread_t threads[STRESS_THREADS];
    for (uintptr_t i = 0; i < STRESS_THREADS; i++)
        pthread_create(&threads[i], NULL, stress_thread, (void *)(i + 1));
    for (int i = 0; i < STRESS_THREADS; i++)
        pthread_join(threads[i], NULL);
    CHECK(atomic_load(&stress_errors) == 0);
    /* Every open call on the server ends once its stream is gone. */
    for (int i = 0; i < 300 && grpc_server_open_calls(server) > 0; i++)
        usleep(10000);
    CHECK(grpc_server_open_calls(server) == 0);
}

static void test_shutdown(pthread_t thread)
{
    /* An open stream at shutdown is cancelled; the server finishes; the socket goes. */
    grpc_client *client = connect_client(200);
    uv_async_send(&stop_async);
    pthread_join(thread, NULL);
    CHECK(atomic_load(&shutdown_done));
    CHECK(access(socket_path, F_OK) != 0);
    CHECK(grpc_server_open_calls(server) == 0);
    grpc_client_free(client);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* as wasmcrid does: see grpc/server.h */
    char dir[] = "/tmp/test-grpc-XXXXXX";
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(socket_path, sizeof socket_path, "%s/s.sock", dir);
    wc_error err;
    uv_loop_init(&loop);
    if (grpc_server_new(&loop, dispatch, NULL, &server, &err) < 0
        || grpc_server_listen(server, socket_path, &err) < 0) {
        printf("FAIL grpc-server-listen: %s\n", err.message);
        return 1;
    }
    uv_async_init(&loop, &stop_async, on_stop);
    pthread_t thread;
    pthread_create(&thread, NULL, loop_thread, NULL);

    RUN_TEST(test_unary_echo);
    RUN_TEST(test_status_message_encoding);
    RUN_TEST(test_server_streaming);
    RUN_TEST(test_client_cancels_stream);
    RUN_TEST(test_deadline);
    RUN_TEST(test_connection_drop_cancels);
    RUN_TEST(test_framing_errors);
    RUN_TEST(test_big_messages);
    RUN_TEST(test_missing_socket);
    RUN_TEST(test_stress_lifetimes);
    int before = testlib_failures;
    test_shutdown(thread);
    printf(testlib_failures == before ? "PASS test_shutdown\n" : "FAIL test_shutdown: checks failed\n");
    if (testlib_failures != before)
        testlib_failed_tests++;

    uv_loop_close(&loop);
    grpc_server_free(server);
    rmdir(dir);
    return TESTS_DONE();
}
