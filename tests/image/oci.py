#!/usr/bin/python3
"""Builds OCI images for the image tests and pushes them to a registry over the distribution
API (plain http, optional basic auth), so a test controls every byte: media types, digests,
hostile tar entries.

  oci.py layout DIR busybox                 an OCI layout (for skopeo) with a busybox rootfs
  oci.py push REGISTRY NAME:TAG KIND [USER:PASS]
      KIND: busybox | index | wasm-artifact=FILE | wasm-entrypoint=FILE | wasm-arch=FILE |
            bad-mediatype | bad-wasm | hostile-dotdot | hostile-symlink |
            hostile-hardlink | device-node | whiteout | zstd | plain-tar
  prints the manifest digest
"""
import base64
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import urllib.request

BUSYBOX = '/bin/busybox'


def sha(data):
    return 'sha256:' + hashlib.sha256(data).hexdigest()


def tar_bytes(entries, compress=True):
    """entries: list of (TarInfo, bytes or None)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode='w', format=tarfile.PAX_FORMAT) as t:
        for info, data in entries:
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    plain = raw.getvalue()
    return (gzip.compress(plain, mtime=0) if compress else plain), plain


def info(name, kind=tarfile.REGTYPE, size=0, mode=0o644, link=''):
    i = tarfile.TarInfo(name)
    i.type = kind
    i.size = size
    i.mode = mode
    i.linkname = link
    i.mtime = 1700000000
    return i


def file_entry(name, data, mode=0o644):
    return (info(name, size=len(data), mode=mode), data)


def busybox_entries():
    data = open(BUSYBOX, 'rb').read()
    entries = [(info('bin', tarfile.DIRTYPE, mode=0o755), None),
               file_entry('bin/busybox', data, 0o755)]
    for applet in ['sh', 'ls', 'echo', 'cat', 'sleep', 'true']:
        entries.append((info('bin/' + applet, tarfile.SYMTYPE, mode=0o777, link='busybox'), None))
    entries.append((info('etc', tarfile.DIRTYPE, mode=0o755), None))
    entries.append(file_entry('etc/hostname', b'busybox\n'))
    return entries


def image(layers, config_extra=None, arch='amd64', config_media=None):
    """layers: list of (media_type, blob, diff_id bytes or None, annotations)."""
    config = {'architecture': arch, 'os': 'wasi' if arch == 'wasm' else 'linux',
              'config': {'Cmd': ['sh'], 'Env': ['PATH=/bin']},
              'rootfs': {'type': 'layers',
                         'diff_ids': [sha(d if d is not None else b) for (_, b, d, _) in layers]}}
    if config_extra:
        config['config'].update(config_extra)
    config_bytes = json.dumps(config, sort_keys=True).encode()
    manifest = {'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json',
                'config': {'mediaType': config_media or 'application/vnd.oci.image.config.v1+json',
                           'digest': sha(config_bytes), 'size': len(config_bytes)},
                'layers': []}
    for media, blob, _, annotations in layers:
        layer = {'mediaType': media, 'digest': sha(blob), 'size': len(blob)}
        if annotations:
            layer['annotations'] = annotations
        manifest['layers'].append(layer)
    blobs = {sha(config_bytes): config_bytes}
    for _, blob, _, _ in layers:
        blobs[sha(blob)] = blob
    return json.dumps(manifest, sort_keys=True).encode(), blobs


GZ = 'application/vnd.oci.image.layer.v1.tar+gzip'


def tar_layer(entries):
    blob, plain = tar_bytes(entries)
    return (GZ, blob, plain, None)


def build(kind):
    if kind == 'busybox':
        return image([tar_layer(busybox_entries())])
    if kind.startswith('wasm-artifact='):
        module = open(kind.split('=', 1)[1], 'rb').read()
        return image([('application/vnd.wasm.content.layer.v1+wasm', module, None,
                       {'org.opencontainers.image.title': os.path.basename(kind.split('=', 1)[1])})],
                     {'Cmd': []}, arch='wasm', config_media='application/vnd.wasm.config.v0+json')
    if kind.startswith('wasm-entrypoint=') or kind.startswith('wasm-arch='):
        path = kind.split('=', 1)[1]
        module = open(path, 'rb').read()
        name = os.path.basename(path)
        entries = [file_entry(name, module, 0o755)]
        arch = 'wasm' if kind.startswith('wasm-arch=') else 'amd64'
        return image([tar_layer(entries)], {'Entrypoint': ['/' + name], 'Cmd': [],
                                            'User': '1000:1000', 'StopSignal': 'SIGINT'},
                     arch=arch)
    if kind == 'bad-wasm':
        return image([('application/vnd.wasm.content.layer.v1+wasm', b'\0asm\1\0\0\0\xff\xff', None,
                       None)], arch='wasm')
    if kind == 'bad-mediatype':
        blob = b'just some bytes'
        return image([('application/x-unknown-layer', blob, None, None)])
    if kind == 'hostile-dotdot':
        return image([tar_layer([file_entry('../escaped-dotdot', b'x')])])
    escape = os.environ.get('OCI_ESCAPE_DIR', '/tmp')
    if kind == 'hostile-symlink':
        # An absolute symlink, then a file written "through" it: must not land in escape.
        return image([tar_layer([(info('evil', tarfile.SYMTYPE, link=escape), None),
                                 file_entry('evil/escaped-symlink', b'x')])])
    if kind == 'hostile-hardlink':
        # A hardlink whose target is reached through a symlink pointing out of the rootfs.
        return image([tar_layer([(info('out', tarfile.SYMTYPE, link=escape), None),
                                 (info('stolen', tarfile.LNKTYPE, link='out/secret'), None)])])
    if kind == 'hostile-hardlink-abs':
        return image([tar_layer([(info('stolen', tarfile.LNKTYPE, link=escape + '/secret'), None)])])
    if kind == 'device-node':
        dev = info('dev-null', tarfile.CHRTYPE, mode=0o666)
        dev.devmajor, dev.devminor = 1, 3
        return image([tar_layer([(dev, None), file_entry('ok.txt', b'ok')])])
    if kind in ('zstd', 'plain-tar'):
        _, plain = tar_bytes([file_entry('hello.txt', b'hello ' + kind.encode() + b'\n')], False)
        if kind == 'plain-tar':
            return image([('application/vnd.oci.image.layer.v1.tar', plain, plain, None)])
        packed = subprocess.run(['zstd', '-q', '-c'], input=plain, stdout=subprocess.PIPE,
                                check=True).stdout
        return image([('application/vnd.oci.image.layer.v1.tar+zstd', packed, plain, None)])
    if kind == 'whiteout':
        lower = tar_layer([(info('d', tarfile.DIRTYPE, mode=0o755), None),
                           file_entry('d/a', b'a'), file_entry('gone', b'g'),
                           (info('o', tarfile.DIRTYPE, mode=0o755), None), file_entry('o/x', b'x')])
        upper = tar_layer([file_entry('.wh.gone', b''), file_entry('o/.wh..wh..opq', b''),
                           file_entry('o/y', b'y'), file_entry('d/b', b'b')])
        return image([lower, upper])
    raise SystemExit('unknown kind ' + kind)


def request(method, url, data=None, headers=None, creds=None):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if creds:
        req.add_header('Authorization', 'Basic ' + base64.b64encode(creds.encode()).decode())
    return urllib.request.urlopen(req)


def push_index(registry, name, tag, creds, kind='index'):
    """An OCI index: busybox for linux/amd64 beside another image for linux/arm64 (listed
    first, so picking the first entry would be wrong)."""
    entries = []
    platforms = (('whiteout', 'arm64'), ('busybox', 'amd64'))
    if kind.startswith('index-wasm='):
        platforms = (('whiteout', 'arm64'), ('wasm-artifact=' + kind.split('=', 1)[1], 'wasm'))
    for kind, arch in platforms:
        digest = push(registry, name + ':' + arch, kind, creds, quiet=True)
        manifest, _ = build(kind)
        entries.append({'mediaType': 'application/vnd.oci.image.manifest.v1+json',
                        'digest': digest, 'size': len(manifest),
                        'platform': {'os': 'wasip1' if arch == 'wasm' else 'linux',
                                     'architecture': arch}})
    index = json.dumps({'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.index.v1+json',
                        'manifests': entries}, sort_keys=True).encode()
    request('PUT', 'http://%s/v2/%s/manifests/%s' % (registry, name, tag), index,
            {'Content-Type': 'application/vnd.oci.image.index.v1+json'}, creds)
    print(sha(index))


def push(registry, ref, kind, creds=None, quiet=False):
    name, tag = ref.rsplit(':', 1)
    if kind == 'index' or kind.startswith('index-wasm='):
        return push_index(registry, name, tag, creds, kind)
    manifest, blobs = build(kind)
    base = 'http://%s/v2/%s' % (registry, name)
    for digest, blob in blobs.items():
        up = request('POST', base + '/blobs/uploads/', b'', creds=creds)
        location = up.headers['Location']
        if location.startswith('/'):
            location = 'http://' + registry + location
        sep = '&' if '?' in location else '?'
        request('PUT', location + sep + 'digest=' + digest, blob,
                {'Content-Type': 'application/octet-stream'}, creds)
    request('PUT', base + '/manifests/' + tag, manifest,
            {'Content-Type': 'application/vnd.oci.image.manifest.v1+json'}, creds)
    if not quiet:
        print(sha(manifest))
    return sha(manifest)


def layout(directory, kind):
    manifest, blobs = build(kind)
    os.makedirs(os.path.join(directory, 'blobs', 'sha256'), exist_ok=True)
    blobs[sha(manifest)] = manifest
    for digest, blob in blobs.items():
        with open(os.path.join(directory, 'blobs', 'sha256', digest[7:]), 'wb') as f:
            f.write(blob)
    with open(os.path.join(directory, 'oci-layout'), 'w') as f:
        json.dump({'imageLayoutVersion': '1.0.0'}, f)
    index = {'schemaVersion': 2, 'manifests': [{
        'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'digest': sha(manifest),
        'size': len(manifest), 'annotations': {'org.opencontainers.image.ref.name': 'latest'}}]}
    with open(os.path.join(directory, 'index.json'), 'w') as f:
        json.dump(index, f)
    print(sha(manifest))


if __name__ == '__main__':
    if sys.argv[1] == 'layout':
        layout(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == 'push':
        push(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] if len(sys.argv) > 5 else None)
