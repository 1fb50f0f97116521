# Sourced by scripts/deps.sh and integrations/demo.sh: how to get the two clients that the
# test command needs and the demo uses when they are there. Neither is in Debian 12 as needed:
# the client-side login the tests use needs docker ≥ 28 (Debian's docker.io is 20.10), and
# Debian 12 has no kubectl.
client_hint() {  # docker|kubectl: what to install, on one line
    case "$1" in
        docker) echo "install the docker CLI ≥ 28, no daemon needed: docker-ce-cli from Docker's apt repository, https://docs.docker.com/engine/install/debian/" ;;
        kubectl) echo "install kubectl, the client alone: from Kubernetes' apt repository, https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/" ;;
    esac
}
