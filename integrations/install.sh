#!/usr/bin/env bash
# Builds entra-credential-helper, installs it with its two helper names, and shows it
# working: a git and a docker round trip in a throwaway keyring, then the offline demo
# (integrations/demo.sh: one Entra sign-in serving git, docker and kubectl against local
# servers; without docker or kubectl on PATH, their steps are skipped, saying how to get
# them). Your keyring, ~/.gitconfig, ~/.docker and ~/.kube are not touched.
#   integrations/install.sh [--bin-dir DIR]     default: ~/.local/bin
set -euo pipefail
cd "$(dirname "$0")/.."
bin_dir="${HOME}/.local/bin"
while [ $# -gt 0 ]; do
    case "$1" in
        --bin-dir) bin_dir="$2"; shift 2 ;;
        --bin-dir=*) bin_dir="${1#*=}"; shift ;;
        -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option '$1'; use --bin-dir DIR" >&2; exit 2 ;;
    esac
done

scripts/deps.sh demo
binary=$(scripts/build-release.sh)
install -d "$bin_dir"
install -m 0755 "$binary" "$bin_dir/entra-credential-helper"
ln -sf entra-credential-helper "$bin_dir/git-credential-entra"
ln -sf entra-credential-helper "$bin_dir/docker-credential-entra"
echo "Installed entra-credential-helper, git-credential-entra and docker-credential-entra in $bin_dir"
# Shell completion where bash-completion and zsh look for a user's own completions.
data_dir="${XDG_DATA_HOME:-$HOME/.local/share}"
bash_dir="${BASH_COMPLETION_USER_DIR:-$data_dir/bash-completion}/completions"
install -D -m 0644 integrations/completion/entra-credential-helper.bash "$bash_dir/entra-credential-helper"
install -D -m 0644 integrations/completion/_entra-credential-helper "$data_dir/zsh/site-functions/_entra-credential-helper"
echo "Installed shell completion: bash in $bash_dir (loaded by bash-completion);"
echo "  zsh in $data_dir/zsh/site-functions (add  fpath+=($data_dir/zsh/site-functions)  before compinit in ~/.zshrc)"
case ":$PATH:" in
    *":$bin_dir:"*) ;;
    *) echo "Add it to your PATH:  export PATH=\"$bin_dir:\$PATH\"" ;;
esac
echo
"$bin_dir/entra-credential-helper" --help
echo
scripts/with-keyring.sh integrations/storage-demo.sh "$bin_dir"
echo
integrations/demo.sh --bin-dir "$bin_dir"
cat <<NEXT

Use it:
  git config --global credential.helper entra                 (see integrations/git/gitconfig)
  ~/.docker/config.json: {"credsStore": "entra"}              (see integrations/docker/config.json)
  or, for a profile's hosts:  entra-credential-helper setup git|docker|kubectl --profile NAME
                              (see entra-credential-helper help setup)
Logins stored by git-credential-libsecret and docker-credential-secretservice keep working.
Entra sign-in: entra-credential-helper profile add NAME --preset azure-devops|acr|aks --tenant T,
  then entra-credential-helper login --profile NAME   (see README.md, "Sign in to Entra ID")
Something wrong? entra-credential-helper doctor   (bus, keyring, browser, config, hosts, clock)
NEXT
