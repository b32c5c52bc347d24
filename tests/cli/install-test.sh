#!/bin/sh
# install-test.sh BUILD_DIR SOURCE_DIR CC VERSION LIBDIR HAVE_CLI
# `cmake --install` of a built tree, twice (--prefix P; DESTDIR=D --prefix /opt/rvf): checks the
# installed files, the shared library's SONAME and exports (exactly the functions the public
# headers declare), then builds native-host/example.c against each installed tree with pkg-config,
# statically and against librvf.so, and runs it. Exit 77 (skipped) when pkg-config is missing.
set -eu
build=$1 src=$2 cc=$3 version=$4 libdir=$5 have_cli=$6
tmp=$build/tests/tmp-cli_install
fail() {
    echo "install-test: $*" >&2
    exit 1
}
command -v pkg-config >/dev/null || {
    echo "SKIP: pkg-config is not installed"
    exit 77
}
rm -rf "$tmp"
mkdir -p "$tmp"

cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install-prefix.log" ||
    fail "cmake --install --prefix failed (see $tmp/install-prefix.log)"
DESTDIR=$tmp/stage cmake --install "$build" --prefix /opt/rvf >"$tmp/install-destdir.log" ||
    fail "DESTDIR=... cmake --install failed (see $tmp/install-destdir.log)"
[ -d "$tmp/stage/opt/rvf" ] || fail "DESTDIR was not honoured: no $tmp/stage/opt/rvf"

# The example's output (native-host/example.c: filter year >= 2020 drops id 10, the nearest).
cat >"$tmp/expected" <<'EOF'
hit 0: id 11 distance 0.36
hit 1: id 12 distance 4.16
EOF
check_output() { # file
    head -n 2 "$1" | cmp -s - "$tmp/expected" || fail "unexpected example output: $(cat "$1")"
    sed -n 3p "$1" | grep -Eq '^4 live vectors, dimension 4, epoch [0-9]+$' ||
        fail "unexpected example status line: $(sed -n 3p "$1")"
}

for root in "$tmp/prefix" "$tmp/stage/opt/rvf"; do
    lib=$root/$libdir
    for f in "$lib/librvf.a" "$lib/librvf.so" "$lib/librvf.so.0" "$lib/librvf.so.$version" \
        "$root/include/rvf.h" "$root/include/rvf_kernel.h" "$root/include/rvf_status.def" \
        "$lib/pkgconfig/rvf.pc"; do
        [ -f "$f" ] || fail "not installed: $f"
    done
    [ -L "$lib/librvf.so" ] && [ -L "$lib/librvf.so.0" ] || fail "librvf.so* are not symlinks"
    if [ "$have_cli" = 1 ]; then
        [ -x "$root/bin/rvf" ] || fail "not installed: $root/bin/rvf"
        "$root/bin/rvf" --help >/dev/null || fail "installed bin/rvf --help failed"
    fi
    if [ -f "$src/native-host/rvf.1" ]; then
        cmp -s "$src/native-host/rvf.1" "$root/share/man/man1/rvf.1" ||
            fail "not installed: $root/share/man/man1/rvf.1"
    fi

    # One archive holds the runtime and the kernel.
    nm --defined-only "$lib/librvf.a" 2>/dev/null | grep -q ' T rvf_create$' || fail "librvf.a: no rvf_create"
    nm --defined-only "$lib/librvf.a" 2>/dev/null | grep -q ' T rvfk_dist_f32$' || fail "librvf.a: no rvfk_dist_f32"
    readelf -d "$lib/librvf.so" | grep -q 'Library soname: \[librvf.so.0\]' || fail "SONAME is not librvf.so.0"

    # Exports: every public function, nothing else (the runtime's internal rvf_* helpers stay local).
    nm -D --defined-only "$lib/librvf.so" | awk '{print $3}' | sort -u >"$tmp/exported"
    grep -hE '^[a-z][^(]*[ *]rvfk?_[a-z0-9_]+\(' "$root/include/rvf.h" "$root/include/rvf_kernel.h" |
        grep -Ev '^(static|typedef|extern) ' | sed -E 's/^[^(]*[ *](rvfk?_[a-z0-9_]+)\(.*/\1/' |
        sort -u >"$tmp/declared"
    grep -qx rvf_create "$tmp/exported" || fail "librvf.so does not export rvf_create"
    extra=$(grep -Evx '_init|_fini|_edata|_end|__bss_start' "$tmp/exported" | comm -23 - "$tmp/declared")
    [ -z "$extra" ] || fail "librvf.so exports symbols the public headers do not declare:" $extra
    missing=$(comm -13 "$tmp/exported" "$tmp/declared")
    [ -z "$missing" ] || fail "librvf.so lacks functions the public headers declare:" $missing

    # pkg-config sees only this tree; the .pc file finds its prefix from its own place.
    PKG_CONFIG_LIBDIR=$lib/pkgconfig
    PKG_CONFIG_PATH=
    export PKG_CONFIG_LIBDIR PKG_CONFIG_PATH
    [ "$(pkg-config --modversion rvf)" = "$version" ] || fail "pkg-config --modversion rvf != $version"
    cflags=$(pkg-config --cflags rvf)
    warn="-std=c11 -Wall -Wextra -Wpedantic -Werror"

    # Static: the pkg-config flags with -lrvf pinned to the archive (both are in libdir).
    libs=$(pkg-config --libs --static rvf | sed 's/-lrvf\b/-l:librvf.a/')
    # shellcheck disable=SC2086
    "$cc" $warn $cflags "$src/native-host/example.c" $libs -o "$tmp/example-static" ||
        fail "example.c does not build against $lib/librvf.a"
    ! readelf -d "$tmp/example-static" | grep -q 'librvf' || fail "example-static needs librvf.so"
    "$tmp/example-static" >"$tmp/out-static" || fail "example-static failed"
    check_output "$tmp/out-static"

    # Shared: plain `pkg-config --cflags --libs rvf`, run with LD_LIBRARY_PATH.
    # shellcheck disable=SC2086
    "$cc" $warn "$src/native-host/example.c" $(pkg-config --cflags --libs rvf) \
        -o "$tmp/example-shared" || fail "example.c does not build against $lib/librvf.so"
    readelf -d "$tmp/example-shared" | grep -q 'Shared library: \[librvf.so.0\]' ||
        fail "example-shared does not need librvf.so.0"
    LD_LIBRARY_PATH=$lib ldd "$tmp/example-shared" | grep -q "$lib/librvf.so.0" ||
        fail "example-shared does not load $lib/librvf.so.0"
    LD_LIBRARY_PATH=$lib "$tmp/example-shared" >"$tmp/out-shared" || fail "example-shared failed"
    check_output "$tmp/out-shared"
    echo "ok: $root"
done
rm -rf "$tmp"
echo "install-test: all checks passed"
