/* images.c - wasmcrictl's image commands as crictl has them: pull, images (img), inspecti, rmi,
 * imagefsinfo. Same flags, same table layout (tabwriter: min width 20, padding 3), same sizes
 * (decimal units, 3 significant digits) and the same JSON/YAML shapes. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crictl/commands.h"
#include "crictl/runtime_util.h"

/* ---- small helpers ------------------------------------------------------------------------ */

/* "sha256:abcdef..." -> "abcdef0123456" (13 characters, as crictl truncates ids). */
static void truncated_id(const char *id, char *out, size_t length)
{
    const char *hex = strncmp(id, "sha256:", 7) == 0 ? id + 7 : id;
    snprintf(out, length, "%.13s", hex);
}

/* "repo:tag" -> repo and tag (the ':' after the last '/'). */
static void split_tag(const char *repo_tag, char *repo, size_t repo_size, char *tag, size_t tag_size)
{
    const char *slash = strrchr(repo_tag, '/');
    const char *colon = strrchr(slash ? slash : repo_tag, ':');
    if (colon == NULL) {
        snprintf(repo, repo_size, "%s", repo_tag);
        snprintf(tag, tag_size, "<none>");
        return;
    }
    snprintf(repo, repo_size, "%.*s", (int)(colon - repo_tag), repo_tag);
    snprintf(tag, tag_size, "%s", colon + 1);
}

static int unknown_flag(char **argv, wc_error *err)
{
    return wc_error_set(err, WC_EINVAL, "%s: flag provided but not defined: %s", argv[0],
                        argv[optind - 1]);
}

/* ---- pull --------------------------------------------------------------------------------- */

int crictl_cmd_pull(crictl_ctx *ctx, int argc, char **argv)
{
    static const struct option options[] = {
        {"creds", required_argument, NULL, 'c'},
        {"auth", required_argument, NULL, 'A'},
        {"annotation", required_argument, NULL, 'a'},
        {"pull-timeout", required_argument, NULL, 'T'},
        {NULL, 0, NULL, 0},
    };
    wc_error err;
    const char *creds = NULL, *auth_string = NULL;
    char *keys[64], *values[64];
    size_t annotations = 0;
    optind = 0;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "a:", options, NULL)) != -1) {
        if (opt == 'c') {
            creds = optarg;
        } else if (opt == 'A') {
            auth_string = optarg;
        } else if (opt == 'a') {
            char *eq = strchr(optarg, '=');
            if (eq == NULL || annotations == 64) {
                wc_error_set(&err, WC_EINVAL, "annotation must be key=value: %s", optarg);
                return crictl_fail(NULL, &err);
            }
            *eq = 0;
            keys[annotations] = optarg;
            values[annotations++] = eq + 1;
        } else if (opt == 'T') {
            /* the call has no deadline by default; a value is accepted for compatibility */
        } else {
            unknown_flag(argv, &err);
            return crictl_fail(NULL, &err);
        }
    }
    if (optind + 1 != argc) {
        wc_error_set(&err, WC_EINVAL, "Image name cannot be empty");
        return crictl_fail(NULL, &err);
    }
    Runtime__V1__PullImageRequest request = RUNTIME__V1__PULL_IMAGE_REQUEST__INIT;
    Runtime__V1__ImageSpec spec = RUNTIME__V1__IMAGE_SPEC__INIT;
    Runtime__V1__AuthConfig auth = RUNTIME__V1__AUTH_CONFIG__INIT;
    Runtime__V1__ImageSpec__AnnotationsEntry entries[64];
    Runtime__V1__ImageSpec__AnnotationsEntry *entry_pointers[64];
    for (size_t i = 0; i < annotations; i++) {
        runtime__v1__image_spec__annotations_entry__init(&entries[i]);
        entries[i].key = keys[i];
        entries[i].value = values[i];
        entry_pointers[i] = &entries[i];
    }
    spec.image = argv[optind];
    spec.n_annotations = annotations;
    spec.annotations = entry_pointers;
    request.image = &spec;
    char user[512] = "";
    if (creds) {
        snprintf(user, sizeof user, "%s", creds);
        char *colon = strchr(user, ':');
        if (colon) {
            *colon = 0;
            auth.password = colon + 1;
        }
        auth.username = user;
        request.auth = &auth;
    }
    if (auth_string) {
        auth.auth = (char *)auth_string;
        request.auth = &auth;
    }
    /* A pull takes as long as the download: no per-call deadline (crictl's default too). */
    ctx->timeout_ms = 0;
    ProtobufCMessage *response;
    if (crictl_call(ctx, CRICTL_IMAGE, "PullImage", &request.base,
                    &runtime__v1__pull_image_response__descriptor, &response, &err) < 0)
        return crictl_fail("pulling image", &err);
    printf("Image is up to date for %s\n",
           ((Runtime__V1__PullImageResponse *)response)->image_ref);
    protobuf_c_message_free_unpacked(response, NULL);
    return 0;
}

/* ---- images ------------------------------------------------------------------------------- */

static void print_verbose(const Runtime__V1__Image *image)
{
    printf("ID: %s\n", image->id);
    for (size_t i = 0; i < image->n_repo_tags; i++)
        printf("RepoTags: %s\n", image->repo_tags[i]);
    for (size_t i = 0; i < image->n_repo_digests; i++)
        printf("RepoDigests: %s\n", image->repo_digests[i]);
    if (image->size)
        printf("Size: %llu\n", (unsigned long long)image->size);
    if (image->uid)
        printf("Uid: %lld\n", (long long)image->uid->value);
    else
        printf("Username: %s\n", image->username);
    printf("Pinned: %s\n\n", image->pinned ? "true" : "false");
}

int crictl_cmd_images(crictl_ctx *ctx, int argc, char **argv)
{
    static const struct option options[] = {
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"digests", no_argument, NULL, 'd'},
        {"no-trunc", no_argument, NULL, 'n'},
        {"output", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    wc_error err;
    bool quiet = false, verbose = false, digests = false, no_trunc = false;
    crictl_format format = CRICTL_TABLE;
    optind = 0;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "qvo:", options, NULL)) != -1) {
        if (opt == 'q')
            quiet = true;
        else if (opt == 'v')
            verbose = true;
        else if (opt == 'd')
            digests = true;
        else if (opt == 'n')
            no_trunc = true;
        else if (opt == 'o') {
            if (crictl_format_parse(optarg, &format, &err) < 0)
                return crictl_fail(NULL, &err);
        } else {
            unknown_flag(argv, &err);
            return crictl_fail(NULL, &err);
        }
    }
    Runtime__V1__ListImagesRequest request = RUNTIME__V1__LIST_IMAGES_REQUEST__INIT;
    Runtime__V1__ImageFilter filter = RUNTIME__V1__IMAGE_FILTER__INIT;
    Runtime__V1__ImageSpec spec = RUNTIME__V1__IMAGE_SPEC__INIT;
    if (optind < argc) {
        spec.image = argv[optind];
        filter.image = &spec;
        request.filter = &filter;
    }
    ProtobufCMessage *response;
    if (crictl_call(ctx, CRICTL_IMAGE, "ListImages", &request.base,
                    &runtime__v1__list_images_response__descriptor, &response, &err) < 0)
        return crictl_fail("listing images", &err);
    const Runtime__V1__ListImagesResponse *list = (const Runtime__V1__ListImagesResponse *)response;
    int rc = 0;
    if (format != CRICTL_TABLE) {
        json_t *json = crictl_message_json(response);
        rc = crictl_print_json(json, format) < 0 ? 1 : 0;
        json_decref(json);
    } else if (quiet) {
        for (size_t i = 0; i < list->n_images; i++)
            printf("%s\n", list->images[i]->id);
    } else if (verbose) {
        for (size_t i = 0; i < list->n_images; i++)
            print_verbose(list->images[i]);
    } else {
        crictl_table t;
        crictl_table_init(&t, digests ? 5 : 4);
        const char *header5[] = {"IMAGE", "TAG", "DIGEST", "IMAGE ID", "SIZE"};
        const char *header4[] = {"IMAGE", "TAG", "IMAGE ID", "SIZE"};
        crictl_table_row(&t, digests ? header5 : header4);
        for (size_t i = 0; i < list->n_images; i++) {
            const Runtime__V1__Image *image = list->images[i];
            char id[80], size[32], digest[80] = "<none>";
            if (no_trunc)
                snprintf(id, sizeof id, "%s", image->id);
            else
                truncated_id(image->id, id, sizeof id);
            crictl_human_size(image->size, 3, size, sizeof size); /* crictl images: 3 digits */
            if (image->n_repo_digests > 0) {
                const char *at = strchr(image->repo_digests[0], '@');
                if (at && no_trunc)
                    snprintf(digest, sizeof digest, "%s", at + 1);
                else if (at)
                    truncated_id(at + 1, digest, sizeof digest);
            }
            size_t tags = image->n_repo_tags ? image->n_repo_tags : 1;
            for (size_t j = 0; j < tags; j++) {
                char repo[1024] = "<none>", tag[256] = "<none>";
                if (image->n_repo_tags)
                    split_tag(image->repo_tags[j], repo, sizeof repo, tag, sizeof tag);
                else if (image->n_repo_digests) {
                    const char *at = strchr(image->repo_digests[0], '@');
                    snprintf(repo, sizeof repo, "%.*s", (int)(at - image->repo_digests[0]),
                             image->repo_digests[0]);
                }
                const char *row5[] = {repo, tag, digest, id, size};
                const char *row4[] = {repo, tag, id, size};
                crictl_table_row(&t, digests ? row5 : row4);
            }
        }
        crictl_table_print(&t);
        crictl_table_free(&t);
    }
    protobuf_c_message_free_unpacked(response, NULL);
    return rc;
}

/* ---- inspecti ----------------------------------------------------------------------------- */

/* ImageStatus of one reference; *response NULL-image when not found. */
static int image_status(crictl_ctx *ctx, const char *name, bool verbose,
                        Runtime__V1__ImageStatusResponse **out, wc_error *err)
{
    Runtime__V1__ImageStatusRequest request = RUNTIME__V1__IMAGE_STATUS_REQUEST__INIT;
    Runtime__V1__ImageSpec spec = RUNTIME__V1__IMAGE_SPEC__INIT;
    spec.image = (char *)name;
    request.image = &spec;
    request.verbose = verbose;
    ProtobufCMessage *response;
    if (crictl_call(ctx, CRICTL_IMAGE, "ImageStatus", &request.base,
                    &runtime__v1__image_status_response__descriptor, &response, err) < 0)
        return -1;
    *out = (Runtime__V1__ImageStatusResponse *)response;
    return 0;
}

int crictl_cmd_inspecti(crictl_ctx *ctx, int argc, char **argv)
{
    static const struct option options[] = {
        {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0},
    };
    wc_error err;
    crictl_format format = CRICTL_JSON;
    bool quiet = false;
    optind = 0;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "o:q", options, NULL)) != -1) {
        if (opt == 'o') {
            if (crictl_format_parse(optarg, &format, &err) < 0)
                return crictl_fail(NULL, &err);
        } else if (opt == 'q') {
            quiet = true;
        } else {
            unknown_flag(argv, &err);
            return crictl_fail(NULL, &err);
        }
    }
    if (optind >= argc) {
        wc_error_set(&err, WC_EINVAL, "ID cannot be empty");
        return crictl_fail(NULL, &err);
    }
    if (format == CRICTL_TABLE)
        format = CRICTL_JSON;
    int rc = 0;
    for (int i = optind; i < argc; i++) {
        Runtime__V1__ImageStatusResponse *status;
        if (image_status(ctx, argv[i], !quiet, &status, &err) < 0)
            return crictl_fail("image status request", &err);
        if (status->image == NULL) {
            protobuf_c_message_free_unpacked(&status->base, NULL);
            fprintf(stderr, "FATA[0000] no such image \"%s\" present\n", argv[i]);
            return 1;
        }
        json_t *out = json_object();
        json_object_set_new(out, "status", crictl_message_json(&status->image->base));
        if (!quiet)
            crictl_add_info(out, status->n_info, (crictl_map_entry **)status->info);
        if (crictl_print_json(out, format) < 0)
            rc = 1;
        json_decref(out);
        protobuf_c_message_free_unpacked(&status->base, NULL);
    }
    return rc;
}

/* ---- rmi ---------------------------------------------------------------------------------- */

static int remove_one(crictl_ctx *ctx, const Runtime__V1__Image *image, wc_error *err)
{
    Runtime__V1__RemoveImageRequest request = RUNTIME__V1__REMOVE_IMAGE_REQUEST__INIT;
    Runtime__V1__ImageSpec spec = RUNTIME__V1__IMAGE_SPEC__INIT;
    spec.image = image->id;
    request.image = &spec;
    ProtobufCMessage *response;
    if (crictl_call(ctx, CRICTL_IMAGE, "RemoveImage", &request.base,
                    &runtime__v1__remove_image_response__descriptor, &response, err) < 0)
        return -1;
    protobuf_c_message_free_unpacked(response, NULL);
    if (image->n_repo_tags == 0)
        printf("Deleted: %s\n", image->id);
    for (size_t i = 0; i < image->n_repo_tags; i++)
        printf("Deleted: %s\n", image->repo_tags[i]);
    return 0;
}

/* Image ids and names the containers use (for --prune). */
static int images_in_use(crictl_ctx *ctx, char ***ids, size_t *count, wc_error *err)
{
    Runtime__V1__ListContainersRequest request = RUNTIME__V1__LIST_CONTAINERS_REQUEST__INIT;
    ProtobufCMessage *response;
    if (crictl_call(ctx, CRICTL_RUNTIME, "ListContainers", &request.base,
                    &runtime__v1__list_containers_response__descriptor, &response, err) < 0)
        return -1;
    const Runtime__V1__ListContainersResponse *list =
        (const Runtime__V1__ListContainersResponse *)response;
    *ids = calloc(2 * list->n_containers + 1, sizeof **ids);
    *count = 0;
    for (size_t i = 0; *ids && i < list->n_containers; i++) {
        const Runtime__V1__Container *c = list->containers[i];
        if (c->image_ref && *c->image_ref)
            (*ids)[(*count)++] = strdup(c->image_ref);
        if (c->image && c->image->image && *c->image->image)
            (*ids)[(*count)++] = strdup(c->image->image);
    }
    protobuf_c_message_free_unpacked(response, NULL);
    return 0;
}

static bool in_use(const Runtime__V1__Image *image, char **ids, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (ids[i] == NULL)
            continue;
        if (strcmp(ids[i], image->id) == 0)
            return true;
        for (size_t t = 0; t < image->n_repo_tags; t++)
            if (strcmp(ids[i], image->repo_tags[t]) == 0)
                return true;
    }
    return false;
}

int crictl_cmd_rmi(crictl_ctx *ctx, int argc, char **argv)
{
    static const struct option options[] = {
        {"all", no_argument, NULL, 'a'},
        {"prune", no_argument, NULL, 'p'},
        {NULL, 0, NULL, 0},
    };
    wc_error err;
    bool all = false, prune = false;
    optind = 0;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "aq", options, NULL)) != -1) {
        if (opt == 'a')
            all = true;
        else if (opt == 'p' || opt == 'q')
            prune = true;
        else {
            unknown_flag(argv, &err);
            return crictl_fail(NULL, &err);
        }
    }
    if (all || prune) {
        Runtime__V1__ListImagesRequest request = RUNTIME__V1__LIST_IMAGES_REQUEST__INIT;
        ProtobufCMessage *response;
        if (crictl_call(ctx, CRICTL_IMAGE, "ListImages", &request.base,
                        &runtime__v1__list_images_response__descriptor, &response, &err) < 0)
            return crictl_fail("listing images", &err);
        const Runtime__V1__ListImagesResponse *list =
            (const Runtime__V1__ListImagesResponse *)response;
        char **used = NULL;
        size_t used_count = 0;
        int rc = 0;
        if (prune && images_in_use(ctx, &used, &used_count, &err) < 0)
            rc = crictl_fail("listing containers", &err);
        for (size_t i = 0; rc == 0 && i < list->n_images; i++) {
            if (prune && in_use(list->images[i], used, used_count))
                continue;
            if (remove_one(ctx, list->images[i], &err) < 0)
                rc = crictl_fail("removing image", &err);
        }
        for (size_t i = 0; i < used_count; i++)
            free(used[i]);
        free(used);
        protobuf_c_message_free_unpacked(response, NULL);
        return rc;
    }
    if (optind >= argc) {
        wc_error_set(&err, WC_EINVAL, "ID cannot be empty");
        return crictl_fail(NULL, &err);
    }
    int rc = 0;
    for (int i = optind; i < argc; i++) {
        Runtime__V1__ImageStatusResponse *status;
        if (image_status(ctx, argv[i], false, &status, &err) < 0)
            return crictl_fail("image status request", &err);
        if (status->image == NULL) {
            fprintf(stderr, "ERRO[0000] no such image %s\n", argv[i]);
            rc = 1;
        } else if (remove_one(ctx, status->image, &err) < 0) {
            char context[600];
            snprintf(context, sizeof context, "error of removing image \"%s\"", argv[i]);
            crictl_fail(context, &err);
            rc = 1;
        }
        protobuf_c_message_free_unpacked(&status->base, NULL);
    }
    if (rc != 0)
        fprintf(stderr, "FATA[0000] unable to remove the image(s)\n");
    return rc;
}

/* ---- imagefsinfo -------------------------------------------------------------------------- */

int crictl_cmd_imagefsinfo(crictl_ctx *ctx, int argc, char **argv)
{
    static const struct option options[] = {
        {"output", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    wc_error err;
    crictl_format format = CRICTL_JSON;
    optind = 0;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "o:", options, NULL)) != -1) {
        if (opt != 'o') {
            unknown_flag(argv, &err);
            return crictl_fail(NULL, &err);
        }
        if (crictl_format_parse(optarg, &format, &err) < 0)
            return crictl_fail(NULL, &err);
    }
    if (format == CRICTL_TABLE)
        format = CRICTL_JSON;
    Runtime__V1__ImageFsInfoRequest request = RUNTIME__V1__IMAGE_FS_INFO_REQUEST__INIT;
    ProtobufCMessage *response;
    if (crictl_call(ctx, CRICTL_IMAGE, "ImageFsInfo", &request.base,
                    &runtime__v1__image_fs_info_response__descriptor, &response, &err) < 0)
        return crictl_fail("image filesystem info request", &err);
    json_t *out = json_object();
    json_object_set_new(out, "status", crictl_message_json(response));
    int rc = crictl_print_json(out, format) < 0 ? 1 : 0;
    json_decref(out);
    protobuf_c_message_free_unpacked(response, NULL);
    return rc;
}
