#!/usr/bin/env bash
# Builds the Debian package entra-credential-helper_VERSION_ARCH.deb from the release binary
# (scripts/build-release.sh) with plain dpkg-deb, checks it with lintian and prints its path.
#   scripts/build-deb.sh [OUT_DIR]      default: .build/deb
# The version is HelperVersion.current in Sources/HelperCore/Version.swift (the one place it
# is written; `--version` prints the same). The man pages are the binary's own
# `help --man PAGE`, so they say what `help` says. Depends lists by hand what the helper
# opens with dlopen (dpkg-shlibdeps cannot see those), after what dpkg-shlibdeps finds.
# The version has no Debian revision (the package is built from this repository, a native
# package to dpkg), so its changelog is changelog.gz, as lintian wants for a native package.
# Lintian must report no error, and it reports no warning either; no override is needed.
# `lintian -I` adds informational tags only: hardening-no-bindnow (no -z now on purpose:
# resolving every symbol at start would slow each git/docker call), hardening-no-fortify-
# functions (Swift code; the C shims call no fortifiable function that would matter),
# spelling-error-in-binary (fragments of Swift's runtime strings) and typo-in-manual-page
# "aks" (the preset's name, not "ask").
set -euo pipefail
cd "$(dirname "$0")/.."
out_dir=$(realpath -m "${1:-.build/deb}")
version=$(sed -n 's/^ *public static let current = "\([^"]*\)".*/\1/p' Sources/HelperCore/Version.swift)
[ -n "$version" ] || { echo "build-deb.sh: no version in Sources/HelperCore/Version.swift" >&2; exit 1; }
scripts/deps.sh deb
for tool in dpkg-shlibdeps lintian; do
    command -v "$tool" >/dev/null || { echo "build-deb.sh: no $tool: sudo apt-get install -y dpkg-dev lintian" >&2; exit 1; }
done
arch=$(dpkg --print-architecture)
package=entra-credential-helper
binary=$(scripts/build-release.sh)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

root="$PWD/.build/deb/root/${package}_${version}_${arch}"  # the tree, kept out of OUT_DIR
rm -rf "$root"; mkdir -p "$out_dir"
doc="$root/usr/share/doc/$package"
install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/man/man1" "$doc"
# Stripped as dh_strip strips (lintian: unstripped-binary-or-object is an error).
strip --remove-section=.comment --remove-section=.note --strip-unneeded -o "$root/usr/bin/$package" "$binary"
chmod 0755 "$root/usr/bin/$package"
# The two helper names git and docker look for: the binary dispatches on argv[0] (Invocation.swift).
ln -s "$package" "$root/usr/bin/git-credential-entra"
ln -s "$package" "$root/usr/bin/docker-credential-entra"
for page in "$package" git-credential-entra docker-credential-entra; do
    "$root/usr/bin/$package" help --man "$page" | gzip -9n > "$root/usr/share/man/man1/$page.1.gz"
done
install -D -m 0644 integrations/completion/entra-credential-helper.bash \
    "$root/usr/share/bash-completion/completions/$package"
install -D -m 0644 integrations/completion/_entra-credential-helper \
    "$root/usr/share/zsh/vendor-completions/_entra-credential-helper"
install -D -m 0644 integrations/git/gitconfig "$doc/examples/git/gitconfig"
install -D -m 0644 integrations/docker/config.json "$doc/examples/docker/config.json"
install -D -m 0644 integrations/kubectl/kubeconfig-user.yaml "$doc/examples/kubectl/kubeconfig-user.yaml"
install -m 0644 packaging/copyright "$doc/copyright"
maintainer=$(sed -n 's/^Maintainer: //p' packaging/control.in)
{
    echo "$package ($version) unstable; urgency=medium"
    echo
    echo "  * Built by scripts/build-deb.sh from commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)."
    echo
    echo " -- $maintainer  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n > "$doc/changelog.gz"

# Depends: what the binary links (libc6, …), found by dpkg-shlibdeps in a scratch tree, then
# the dlopen'ed libraries written in packaging/control.in.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/debian"
printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$package" "$package" > "$scratch/debian/control"
shlibs=$(cd "$scratch" && dpkg-shlibdeps -O "$root/usr/bin/$package" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "build-deb.sh: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" -e "s/@SHLIBS@/$shlibs/" \
    packaging/control.in > "$root/DEBIAN/control"
(cd "$root" && find usr -type f -printf '%P\n' | LC_ALL=C sort | sed 's|^|usr/|' | xargs md5sum > DEBIAN/md5sums)
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
find "$root" -type d -exec chmod 0755 {} +
find "$root" -exec touch --no-dereference -d "@$SOURCE_DATE_EPOCH" {} +

deb="$out_dir/${package}_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >&2
# Lintian as Debian's archive runs it: any error fails the build.
lintian --fail-on error,warning --tag-display-limit 0 "$deb" >&2
echo "$deb"
