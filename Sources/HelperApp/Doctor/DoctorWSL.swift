import EntraAuth
import HelperCore

/// `doctor` inside WSL: which Windows browser the sign-in would use, and whether that
/// browser can reach the loopback listener (`WSL.loopbackProblem`'s rule).
extension Doctor {
    /// WSL as the probes see it (the interop marker and the kernel release).
    var wsl: WSL {
        WSL { path in (try? probes.readFile(path).get()).map { String(decoding: $0.prefix(4096), as: UTF8.self) } }
    }

    /// The browser line inside WSL without $BROWSER; nil outside WSL.
    func wslBrowser() -> DoctorCheck? {
        let wsl = self.wsl
        guard let evidence = wsl.evidence else { return nil }
        guard let command = WSL.browserCommand(url: "URL", findExecutable: probes.findExecutable) else {
            return DoctorCheck("browser", .warn, "WSL (\(evidence)) but neither wslview nor cmd.exe is found: sign-in will use the device code",
                               fix: "`sudo apt-get install wslu`, or set appendWindowsPath=true in /etc/wsl.conf, or set BROWSER")
        }
        let how = command.count == 2 ? command[0] : "\(command[0]) /d /c start (URL caret-escaped)"
        return DoctorCheck("browser", .ok, "WSL (\(evidence)): the Windows browser through \(how)")
    }

    /// The loopback line inside WSL, once the listener could bind (`bound`); nil outside WSL.
    func wslLoopback(bound: String) -> DoctorCheck? {
        guard wsl.detected else { return nil }
        let mode = probes.wslNetworkingMode()
        if let problem = WSL.loopbackProblem(networkingMode: mode) {
            return DoctorCheck("loopback", .warn, "the sign-in listener binds \(bound), but \(problem): sign-in will use the device code",
                               fix: "set networkingMode=nat or mirrored in the Windows user's .wslconfig, or sign in with --flow device-code")
        }
        let reach = mode.map { "WSL networking mode \($0)" } ?? "WSL's localhost forwarding"
        return DoctorCheck("loopback", .ok, "the sign-in listener binds \(bound); the Windows browser reaches it through \(reach) (not with localhostForwarding=false: then use --flow device-code)")
    }
}
