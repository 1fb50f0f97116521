/// The helper's version: the one place it is written. `--version` prints it, and
/// scripts/build-deb.sh reads it from this line for the Debian package's version.
public enum HelperVersion {
    public static let current = "0.1.0"
}
