# bash completion for entra-credential-helper.
# Install: source it from ~/.bashrc, or copy it to
# ~/.local/share/bash-completion/completions/entra-credential-helper (integrations/install.sh does).

# Profile names, from `entra-credential-helper profile list` (NAME[ (default)]<TAB>…).
_entra_credential_helper_profiles() {
    local name _
    "${1:-entra-credential-helper}" profile list 2>/dev/null | while IFS=$'\t' read -r name _; do
        printf '%s\n' "${name% (default)}"
    done
}

_entra_credential_helper() {
    local cur prev words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    COMPREPLY=()

    local commands="profile create-profile delete-profile login get-token inspect status refresh logout clear-cache setup kubectl
        doctor git docker help --help --version"
    local topics="profile create-profile delete-profile get-token login inspect status refresh logout clear-cache setup kubectl
        doctor git docker files exit-status examples"
    local flows="auto browser interactive paste device-code client-credentials workload-identity managed-identity"
    local token_options="--profile --scope --flow --output --port --port-range --prompt --login-hint --domain-hint
        --extra-scopes-to-consent --timeout --store --tenant --client-id --authority-host --force --show-url --no-interactive --no-qr"

    # Values of the option before the cursor.
    case "$prev" in
        --profile|--name)
            [ "$prev" = --name ] && [ "${words[1]}" != delete-profile ] && return
            local IFS=$'\n'
            COMPREPLY=($(compgen -W "$(_entra_credential_helper_profiles "${words[0]}")" -- "$cur"))
            return ;;
        --preset) COMPREPLY=($(compgen -W "azure-devops acr aks" -- "$cur")); return ;;
        --flow) COMPREPLY=($(compgen -W "$flows" -- "$cur")); return ;;
        --output) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
        --store) COMPREPLY=($(compgen -W "secret-service memory file" -- "$cur")); return ;;
        --kind) COMPREPLY=($(compgen -W "generic acr" -- "$cur")); return ;;
        --prompt) COMPREPLY=($(compgen -W "select_account login consent none create" -- "$cur")); return ;;
        --kubeconfig|--command) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --tenant|--tenant-id|--client-id|--scope|--scopes|--authority-host|--host|--port|--port-range|--login-hint|--domain-hint|\
        --username|--timeout|--extra-scopes-to-consent|--registry|--user)
            return ;;
    esac

    if [ "$cword" -eq 1 ]; then
        COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        return
    fi

    local command=${words[1]} sub=${words[2]:-} candidates=""
    case "$command" in
        profile)
            if [ "$cword" -eq 2 ]; then
                candidates="add list show remove"
            else
                case "$sub" in
                    add) candidates="--preset --tenant --client-id --scope --authority-host --host --flow --login-hint
                             --domain-hint --port --port-range --kind --username --default --allow-public-suffix" ;;
                    show|remove)
                        if [ "$cword" -eq 3 ]; then
                            local IFS=$'\n'
                            COMPREPLY=($(compgen -W "$(_entra_credential_helper_profiles "${words[0]}")" -- "$cur"))
                            return
                        fi ;;
                esac
            fi ;;
        setup)
            if [ "$cword" -eq 2 ]; then
                candidates="git docker kubectl"
            else
                case "$sub" in
                    git) candidates="--profile" ;;
                    docker) candidates="--profile --registry --creds-store" ;;
                    kubectl) candidates="--profile --kubeconfig --user --command --print" ;;
                esac
            fi ;;
        help)
            if [ "$cword" -eq 2 ]; then candidates="$topics --man"
            elif [ "$cword" -eq 3 ] && [ "$prev" = --man ]; then
                candidates="entra-credential-helper git-credential-entra docker-credential-entra"
            fi ;;
        git) [ "$cword" -eq 2 ] && candidates="get store erase" ;;
        docker) [ "$cword" -eq 2 ] && candidates="get store erase list version" ;;
        create-profile) candidates="--name --tenant-id --tenant --client-id --flow --scopes --scope --preset --authority-host
                            --host --login-hint --domain-hint --port --port-range --kind --username --default
                            --allow-public-suffix" ;;
        delete-profile) candidates="--name --force" ;;
        get-token|login) candidates=$token_options ;;
        inspect) candidates="--profile --scope --output --store" ;;
        status) candidates="--profile --output --store" ;;
        refresh) candidates="--profile --store --timeout" ;;
        logout|clear-cache) candidates="--profile --store --all" ;;
        kubectl) candidates="--profile --store" ;;
        doctor) candidates="--output" ;;
    esac
    COMPREPLY=($(compgen -W "$candidates" -- "$cur"))
}

complete -F _entra_credential_helper entra-credential-helper
