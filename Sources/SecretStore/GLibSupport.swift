import CLibSecret
import HelperCore

#if canImport(Glibc)
import Glibc
#endif

/// A string → string GHashTable built for one libsecret call; call `release()` in a defer.
struct GLibTable {
    let pointer: OpaquePointer

    init(_ attributes: [String: String]) {
        pointer = ech_attributes_new()
        for (key, value) in attributes { ech_attributes_insert(pointer, key, value) }
    }

    func release() { g_hash_table_unref(pointer) }

    /// Copies a NULL-terminated `gchar **` list.
    static func strings(_ strv: UnsafeMutablePointer<UnsafeMutablePointer<gchar>?>?) -> [String] {
        guard var cursor = strv else { return [] }
        var result: [String] = []
        while let string = cursor.pointee {
            result.append(String(cString: string))
            cursor += 1
        }
        return result
    }

    /// Lends `strings` to C as a NULL-terminated `const gchar **`.
    static func withStrv<T>(_ strings: [String], _ body: (UnsafeMutablePointer<UnsafePointer<gchar>?>) -> T) -> T {
        let copies = strings.map { UnsafePointer(g_strdup($0)) }
        defer { for copy in copies { g_free(UnsafeMutableRawPointer(mutating: copy)) } }
        var strv: [UnsafePointer<gchar>?] = copies + [nil]
        return strv.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }

    /// The UTF-8 text stored under `path` in a path → C string table.
    static func plainText(_ table: OpaquePointer?, path: String) -> String? {
        guard let table, let value = g_hash_table_lookup(table, path) else { return nil }
        return String(validatingCString: value.assumingMemoryBound(to: CChar.self))
    }

    /// The UTF-8 text of the SecretValue stored under `path` in a path → SecretValue table.
    static func secretValueText(_ table: OpaquePointer?, path: String) -> String? {
        guard let table, let value = g_hash_table_lookup(table, path) else { return nil }
        var length: gsize = 0
        guard let bytes = secret_value_get(OpaquePointer(value), &length) else { return nil }
        let buffer = UnsafeRawBufferPointer(start: bytes, count: Int(length))
        return String(validating: buffer.bindMemory(to: UInt8.self), as: UTF8.self)
    }

    /// Copies a string → string GHashTable that libsecret returned.
    static func dictionary(_ table: OpaquePointer?) -> [String: String] {
        guard let table else { return [:] }
        var result: [String: String] = [:]
        var iterator = GHashTableIter()
        var key: gpointer?
        var value: gpointer?
        g_hash_table_iter_init(&iterator, table)
        while g_hash_table_iter_next(&iterator, &key, &value) != 0 {
            guard let key, let value else { continue }
            result[String(cString: key.assumingMemoryBound(to: CChar.self))] =
                String(cString: value.assumingMemoryBound(to: CChar.self))
        }
        return result
    }
}

extension LibSecretStore {
    /// The session bus the store would connect to: DBUS_SESSION_BUS_ADDRESS, else the
    /// $XDG_RUNTIME_DIR/bus socket; nil when there is neither (it never autolaunches one).
    /// Both are read from `environment`.
    public static func sessionBusAddress(environment: (String) -> String?) -> String? {
        guard KeyringFaults.missingBus(environment) == nil else { return nil }
        let bus = KeyringFaults.Bus(environment)
        return bus.address ?? "unix:path=" + (bus.runtimeDirectory ?? "") + "/bus"
    }
}

/// Tells keyring faults apart from the GError a libsecret or GDBus call left.
enum KeyringFaults {
    /// The two variables that name the session bus, empty ones as unset.
    struct Bus {
        let address: String?
        let runtimeDirectory: String?

        init(_ environment: (String) -> String?) {
            address = environment("DBUS_SESSION_BUS_ADDRESS").flatMap { $0.isEmpty ? nil : $0 }
            runtimeDirectory = environment("XDG_RUNTIME_DIR").flatMap { $0.isEmpty ? nil : $0 }
        }
    }

    /// `noSessionBus` when there is no bus to connect to without autolaunching one.
    static func missingBus(_ environment: (String) -> String?) -> HelperError? {
        let bus = Bus(environment)
        if bus.address != nil { return nil }
        if let runtime = bus.runtimeDirectory {
            var info = stat()
            if stat(runtime + "/bus", &info) == 0, (info.st_mode & S_IFMT) == S_IFSOCK { return nil }
        }
        return .noSessionBus(detail: "DBUS_SESSION_BUS_ADDRESS is not set and there is no $XDG_RUNTIME_DIR/bus")
    }

    static func noBus(_ error: UnsafeMutablePointer<GError>?, environment: (String) -> String?) -> HelperError {
        guard let address = Bus(environment).address else {
            return .noSessionBus(detail: "DBUS_SESSION_BUS_ADDRESS is not set")
        }
        return .noSessionBus(detail: "cannot connect to \(address): \(message(error))")
    }

    static func classify(
        _ error: UnsafeMutablePointer<GError>?, timeoutMilliseconds: Int
    ) -> HelperError {
        guard let error else { return .keyringFailure("unknown error") }
        let domain = error.pointee.domain
        let code = error.pointee.code
        if domain == g_dbus_error_quark() {
            switch GDBusError(UInt32(code)) {
            case G_DBUS_ERROR_SERVICE_UNKNOWN, G_DBUS_ERROR_NAME_HAS_NO_OWNER,
                 G_DBUS_ERROR_SPAWN_EXEC_FAILED, G_DBUS_ERROR_SPAWN_CHILD_EXITED,
                 G_DBUS_ERROR_SPAWN_CHILD_SIGNALED, G_DBUS_ERROR_SPAWN_FAILED,
                 G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND, G_DBUS_ERROR_SPAWN_SERVICE_INVALID:
                return .noSecretService(detail: "nothing provides org.freedesktop.secrets")
            case G_DBUS_ERROR_NO_REPLY, G_DBUS_ERROR_TIMEOUT, G_DBUS_ERROR_TIMED_OUT:
                return .keyringTimeout(milliseconds: timeoutMilliseconds)
            case G_DBUS_ERROR_NO_SERVER, G_DBUS_ERROR_DISCONNECTED:
                return .noSessionBus(detail: message(error))
            default: break
            }
        }
        if domain == secret_error_get_quark(), SecretError(UInt32(code)) == SECRET_ERROR_IS_LOCKED {
            return .collectionLocked(collection: "default")
        }
        if domain == g_io_error_quark() {
            switch GIOErrorEnum(UInt32(code)) {
            case G_IO_ERROR_CANCELLED, G_IO_ERROR_TIMED_OUT:
                return .keyringTimeout(milliseconds: timeoutMilliseconds)
            case G_IO_ERROR_CLOSED, G_IO_ERROR_BROKEN_PIPE, G_IO_ERROR_CONNECTION_CLOSED:
                return .noSessionBus(detail: message(error))
            default: break
            }
        }
        return .keyringFailure(message(error))
    }

    /// The object a call addressed does not exist (libsecret's or D-Bus's wording of it).
    static func isNoSuchObject(_ error: UnsafeMutablePointer<GError>?) -> Bool {
        guard let error else { return false }
        let code = UInt32(error.pointee.code)
        if error.pointee.domain == secret_error_get_quark() { return SecretError(code) == SECRET_ERROR_NO_SUCH_OBJECT }
        if error.pointee.domain == g_dbus_error_quark() {
            // gnome-keyring answers a call on a missing collection with UnknownMethod.
            return [G_DBUS_ERROR_UNKNOWN_OBJECT, G_DBUS_ERROR_UNKNOWN_METHOD].contains(GDBusError(code))
        }
        return false
    }

    /// The GError text on one line, without control characters.
    static func message(_ error: UnsafeMutablePointer<GError>?) -> String {
        guard let error else { return "unknown error" }
        _ = g_dbus_error_strip_remote_error(error)
        guard let text = error.pointee.message else { return "unknown error" }
        return String(String(cString: text).unicodeScalars.map { $0.value < 0x20 ? " " : Character($0) })
    }
}
