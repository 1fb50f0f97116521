# Sourced by integrations/demo.sh and selftest.sh: start a demo server or the emulator and
# wait for its port. Needs $work, the array pids and a fail() function in the caller.
start() {  # name, then the command (without --port-file): sets $port once its port file is written (15 s at most)
    local name=$1 port_file="$work/$1.port"
    shift
    "$@" --port-file "$port_file" >"$work/$name.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 150); do
        if [ -s "$port_file" ]; then port=$(cat "$port_file"); return 0; fi
        kill -0 "${pids[-1]}" 2>/dev/null || fail "$name exited before listening"
        sleep 0.1
    done
    fail "$name did not write its port file within 15 s"
}

kube_certificate() {  # a self-signed certificate for the Kubernetes API: $work/kube-cert.pem and kube-key.pem
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=127.0.0.1 \
        -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout "$work/kube-key.pem" -out "$work/kube-cert.pem" \
        2>"$work/openssl.err" || fail "openssl could not make the Kubernetes API's certificate: $(cat "$work/openssl.err")"
}
